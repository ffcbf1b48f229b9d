"""The KPIs' daily rollups and the days a later change made stale

The tables start empty: a day not rolled up is counted from its rows, so every page is right at once;
the worker's ``kpi-rollups`` job (or ``flask --app kiosk kpi-rollups``) fills them.

Revision ID: 992b334f0b6d
Revises: 3574e34c2b41
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from kiosk.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '992b334f0b6d'
down_revision = '3574e34c2b41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kpi_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('ring_target', sa.Float(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'scope', name=op.f('pk_kpi_days')),
    )
    op.create_table(
        'kpi_talk_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('seconds', sa.Integer(), nullable=False),
        sa.Column('calls', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'seconds', name=op.f('pk_kpi_talk_days')),
    )
    op.create_table(
        'kpi_stale_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_stale_days')),
    )


def downgrade():
    op.drop_table('kpi_stale_days')
    op.drop_table('kpi_talk_days')
    op.drop_table('kpi_days')
