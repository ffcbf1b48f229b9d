"""Switchboard events refused, counted per switchboard, reason and day

Revision ID: a4c6e8f0b2d1
Revises: 8d2f4b6a1c57
Create Date: 2026-12-04 14:30:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = 'a4c6e8f0b2d1'
down_revision = '8d2f4b6a1c57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cti_refusals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pbx_name', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('last_at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cti_refusals')),
        sa.UniqueConstraint('pbx_name', 'reason', 'day', name=op.f('uq_cti_refusals_pbx_name')),
    )


def downgrade():
    op.drop_table('cti_refusals')
