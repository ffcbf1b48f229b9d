"""One open visit per mobile and place, held by a unique index (in place of PostgreSQL's advisory lock)

A person is on site at one place once: a mobile signing in again where its visit is still open returns to
that visit (``kiosk.services.visits.sign_in_visitor``). Two tablets signing the same mobile in at once
were lined up by a transaction-scoped advisory lock on PostgreSQL, one statement and one round trip more
at every sign-in. The open visits' index by mobile and place is now unique: the second insert waits for
the first's commit and skips, and the sign-in returns to the first's visit.

An installation may hold two open visits of one mobile at one place, signed in before the lock existed:
the unique index could not be built over them. All but the newest of each are signed out, automatically,
at the moment the newest was signed in (when, in fact, the person was on site again by that one).

Revision ID: c5d1f7a3b9e2
Revises: 8d2e4b7a1c53
Create Date: 2026-12-05 10:05:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5d1f7a3b9e2'
down_revision = '8d2e4b7a1c53'
branch_labels = None
depends_on = None


OPEN = sa.text('signed_out_at IS NULL')
# The newest open visit of the same mobile at the same place as the row being updated.
NEWEST = """(SELECT {what} FROM visits AS newer
              WHERE newer.mobile = visits.mobile AND newer.place = visits.place
                AND newer.signed_out_at IS NULL AND newer.id > visits.id
              ORDER BY newer.id DESC LIMIT 1)"""
SIGN_OUT_OLDER = f"""UPDATE visits SET signed_out_at = {NEWEST.format(what='newer.signed_in_at')},
                                      sign_out_method = 'automatic'
                     WHERE signed_out_at IS NULL AND mobile IS NOT NULL
                       AND {NEWEST.format(what='newer.id')} IS NOT NULL"""


def upgrade():
    op.execute(SIGN_OUT_OLDER)
    op.drop_index('ix_visits_open_by_mobile', table_name='visits')
    op.create_index('uq_visits_open_by_mobile', 'visits', ['mobile', 'place'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index('uq_visits_open_by_mobile', table_name='visits')
    op.create_index('ix_visits_open_by_mobile', 'visits', ['mobile', 'place'], unique=False,
                    sqlite_where=OPEN, postgresql_where=OPEN)
