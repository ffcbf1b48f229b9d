"""Calls closed without their hangup keep the reason (closed as lost by the worker); task events by time

Revision ID: 835a6df5c851
Revises: 4c1c893b96c6
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '835a6df5c851'
down_revision = '4c1c893b96c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lost_reason', sa.String(length=20), nullable=True))
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_events_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_events_at'))
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('lost_reason')
