"""Call ids per switchboard: two PBXs may use the same call id

Revision ID: 4b7e2c9d1a35
Revises: d8c4f5a5645e
Create Date: 2026-12-04 02:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b7e2c9d1a35'
down_revision = 'd8c4f5a5645e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pbx_name', sa.String(length=40), nullable=True))
    # A switchboard call's events name the switchboard that sent them.
    op.execute("UPDATE calls SET pbx_name = (SELECT MIN(call_events.pbx_name) FROM call_events "
               "WHERE call_events.pbx_call_id = calls.pbx_call_id) WHERE pbx_call_id IS NOT NULL")
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint('uq_calls_pbx_call_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_calls_pbx_name'), ['pbx_name', 'pbx_call_id'])
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_call_events_pbx_call_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_call_events_pbx_name'),
                                          ['pbx_name', 'pbx_call_id', 'event'])


def downgrade():
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_call_events_pbx_name'), type_='unique')
        batch_op.create_unique_constraint('uq_call_events_pbx_call_id', ['pbx_call_id', 'event'])
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_calls_pbx_name'), type_='unique')
        batch_op.create_unique_constraint('uq_calls_pbx_call_id', ['pbx_call_id'])
        batch_op.drop_column('pbx_name')
