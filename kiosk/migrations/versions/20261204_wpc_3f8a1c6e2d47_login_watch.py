"""Login watch: the per-account lock of the login throttle and the burst alerts' state

Revision ID: 3f8a1c6e2d47
Revises: 9c3d5e7f1b20
Create Date: 2026-12-04 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = '3f8a1c6e2d47'
down_revision = '9c3d5e7f1b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_watch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('touched_at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.Column('burst_seen_at', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_watch')),
        sa.UniqueConstraint('kind', 'subject', name='uq_login_watch_kind_subject'),
    )


def downgrade():
    op.drop_table('login_watch')
