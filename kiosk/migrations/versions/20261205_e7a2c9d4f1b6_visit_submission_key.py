"""A kiosk sign-in's one-time key is kept on its visit, not in form_submissions

Every kiosk sign-in claimed its form's one-time key in ``form_submissions`` as the last statement of its
write: one statement, a table and two indexes more at every sign-in. The visit now carries the key, and a
unique index over the tablet, the purpose (the form) and the key lets one visit through per submission:
a repeat's insert skips, and it answers with the visit the first sending made. Keys the kiosk claimed
before stay in ``form_submissions`` until the timed job purges them (two days); other forms keep theirs
there.

Revision ID: e7a2c9d4f1b6
Revises: c5d1f7a3b9e2
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7a2c9d4f1b6'
down_revision = 'c5d1f7a3b9e2'
branch_labels = None
depends_on = None


KEYED = sa.text('submission_key IS NOT NULL')


def upgrade():
    op.add_column('visits', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index('uq_visits_submission', 'visits', ['device_id', 'purpose', 'submission_key'], unique=True,
                    sqlite_where=KEYED, postgresql_where=KEYED)


def downgrade():
    op.drop_index('uq_visits_submission', table_name='visits')
    op.drop_column('visits', 'submission_key')
