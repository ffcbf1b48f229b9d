"""The visits on site read from two partial indexes (by place, covering; by arrival) instead of the
(signed_out_at, place) index

The board's visitors panel, its version and the wallboard's people on site counted and summed the visits on
site through the (signed_out_at, place) index, a table row read for each (SQLite's planner, without
statistics, even took it as matching a row or two), and sorted them all for the latest arrivals. Every
query of that index asked for the visits on site (``signed_out_at IS NULL``): the two partial indexes serve
them all. The covering one names ``id`` (PostgreSQL's rows have no rowid) and ``signed_out_at`` (SQLite
reads a partial index alone only when it holds the columns of its own condition).

Revision ID: 3f9a6c1d2e84
Revises: 5b0d7e21c9a4
Create Date: 2026-12-05 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f9a6c1d2e84'
down_revision = '5b0d7e21c9a4'
branch_labels = None
depends_on = None


ON_SITE = "signed_out_at IS NULL"


def upgrade():
    op.drop_index('ix_visits_on_site', table_name='visits')
    op.create_index('ix_visits_on_site_places', 'visits', ['place', 'party_size', 'id', 'signed_out_at'],
                    unique=False, sqlite_where=sa.text(ON_SITE), postgresql_where=sa.text(ON_SITE))
    op.create_index('ix_visits_on_site_arrivals', 'visits', ['signed_in_at', 'id'], unique=False,
                    sqlite_where=sa.text(ON_SITE), postgresql_where=sa.text(ON_SITE))


def downgrade():
    op.drop_index('ix_visits_on_site_arrivals', table_name='visits')
    op.drop_index('ix_visits_on_site_places', table_name='visits')
    op.create_index('ix_visits_on_site', 'visits', ['signed_out_at', 'place'], unique=False)
