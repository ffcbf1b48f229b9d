"""The open slips' index by department reads them by deadline within a department (department_id,
due_at, warn_at, status), not by status first

The by-department panel counts, per department, its running slips not yet due (the late ones are the
running ones the database counts, ``slip_counts``, less those). Along the running slips' index by deadline
each of them was read from the table and sorted by department; along this one they are a range of index
entries per department, read alone (SQLite reads a partial index alone only when it holds the column of
its own condition: ``status`` stays in it). With ``status`` second, a department's range was its whole
backlog. Its other reader, the headlines' running slips without a department, reads it as before.

Revision ID: 8e4b2d9c7a61
Revises: 3f9a6c1d2e84
Create Date: 2026-12-05 07:00:00

"""
from alembic import op
import sqlalchemy as sa

from kiosk.database import analyze


# revision identifiers, used by Alembic.
revision = '8e4b2d9c7a61'
down_revision = '3f9a6c1d2e84'
branch_labels = None
depends_on = None


OPEN = "status IN ('accepted', 'dispatched', 'in_progress', 'new', 'rejected', 'waiting_on_owner')"


def _index(columns: list[str]) -> None:
    op.drop_index('ix_task_slips_open_department', table_name='task_slips')
    op.create_index('ix_task_slips_open_department', 'task_slips', columns, unique=False,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    if op.get_bind().dialect.name == 'sqlite':
        analyze(op.get_bind())  # SQLite's planner takes a partial index only with its statistics


def upgrade():
    _index(['department_id', 'due_at', 'warn_at', 'status'])


def downgrade():
    _index(['department_id', 'status', 'due_at', 'warn_at'])
