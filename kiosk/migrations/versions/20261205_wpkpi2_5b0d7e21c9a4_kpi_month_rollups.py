"""The KPIs' monthly rollups (each closed month's days summed once) and standing counts (households and
owner profiles as they are now, with the marks of the changes since)

The tables start empty: a month not rolled up is summed from its days and the standing counts are
counted from the rows, so every page is right at once; the worker's ``kpi-rollups`` job (or ``flask
--app kiosk kpi-rollups``) fills them. The
days' rollups are emptied too: their talk times are now written as one flat list (``daily._encode``), so
the job counts them again (until it has, each day is counted from its rows).

Revision ID: 5b0d7e21c9a4
Revises: b7c41d2e9a10
Create Date: 2026-12-05 23:00:00

"""
from alembic import op
import sqlalchemy as sa

from kiosk.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '5b0d7e21c9a4'
down_revision = 'b7c41d2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kpi_months',
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('ring_target', sa.Float(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('first_day', 'scope', name=op.f('pk_kpi_months')),
    )
    op.create_table(
        'kpi_standing',
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_kpi_standing')),
    )
    op.create_table(
        'kpi_standing_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_standing_marks')),
    )
    op.execute("DELETE FROM kpi_days")
    op.execute("DELETE FROM kpi_talk_days")


def downgrade():
    op.drop_table('kpi_standing_marks')
    op.drop_table('kpi_standing')
    op.drop_table('kpi_months')
    op.execute("DELETE FROM kpi_days")  # in the new form: counted again by the older code
    op.execute("DELETE FROM kpi_talk_days")
