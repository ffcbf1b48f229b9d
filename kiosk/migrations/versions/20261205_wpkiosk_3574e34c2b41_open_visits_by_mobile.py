"""The open visits by mobile and place: the sign-in's "still on site?" look-up reads one index entry

Without it SQLite read every open visit of the place (the on-site index) and sorted them, on each
sign-in; a partial index holds only the visits not signed out, so it stays as small as the lobby.

Revision ID: 3574e34c2b41
Revises: d8b510c14592
Create Date: 2026-12-05 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3574e34c2b41'
down_revision = 'd8b510c14592'
branch_labels = None
depends_on = None


OPEN = "signed_out_at IS NULL"


def upgrade():
    op.create_index('ix_visits_open_by_mobile', 'visits', ['mobile', 'place'], unique=False,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade():
    op.drop_index('ix_visits_open_by_mobile', table_name='visits')
