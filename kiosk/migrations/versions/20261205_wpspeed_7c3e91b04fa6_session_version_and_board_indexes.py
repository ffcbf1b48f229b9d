"""A session version per user (checked on every request instead of loading the user), board indexes

Revision ID: 7c3e91b04fa6
Revises: 7ad1bc56eb2d
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa

from kiosk.database import analyze


# revision identifiers, used by Alembic.
revision = '7c3e91b04fa6'
down_revision = '7ad1bc56eb2d'
branch_labels = None
depends_on = None


RUNNING = "status IN ('accepted', 'dispatched', 'in_progress', 'new', 'rejected')"
OPEN = "status IN ('accepted', 'dispatched', 'in_progress', 'new', 'rejected', 'waiting_on_owner')"
UNASSIGNED = "status IN ('new', 'rejected')"
LIVE = "state IN ('answered', 'ringing')"
INCIDENT_OPEN = "closed_at IS NULL"
INCIDENT_REPORT_DUE = "closed_at IS NOT NULL AND report_filed_at IS NULL"

#: (name, table, columns, WHERE) of the board's partial indexes.
PARTIAL = [
    ('ix_task_slips_unassigned_due', 'task_slips', ['due_at'], UNASSIGNED),
    ('ix_task_slips_running_due', 'task_slips', ['due_at', 'warn_at'], RUNNING),
    ('ix_task_slips_open_department', 'task_slips', ['department_id', 'status', 'due_at', 'warn_at'], OPEN),
    ('ix_calls_live', 'calls', ['id', 'version'], LIVE),
    ('ix_incidents_open', 'incidents', ['acknowledged_at', 'opened_at'], INCIDENT_OPEN),
    ('ix_incidents_report_due', 'incidents', ['report_due_at'], INCIDENT_REPORT_DUE),
]


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
    for name, table, columns, where in PARTIAL:
        op.create_index(name, table, columns, unique=False,
                        sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's planner prefers a partial index to the (status, due_at) one only with statistics
        # (PostgreSQL keeps its own): taken now for an install upgrading with its data.
        analyze(op.get_bind())


def downgrade():
    for name, table, _columns, _where in reversed(PARTIAL):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('session_version')
