"""Switch connectors: their health, requests to the switch, webhook tokens, queue and recording on calls

Revision ID: a2527326bf97
Revises: a4c6e8f0b2d1
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = 'a2527326bf97'
down_revision = 'a4c6e8f0b2d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'switch_connectors',
        sa.Column('pbx_name', sa.String(length=40), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.Column('connected', sa.Boolean(), nullable=False),
        sa.Column('connected_since', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('disconnected_at', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('last_event_at', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('reconnects', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=200), nullable=False),
        sa.Column('updated_at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('pbx_name', name=op.f('pk_switch_connectors')),
    )
    op.create_table(
        'switch_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pbx_name', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('extension', sa.String(length=20), nullable=False),
        sa.Column('number', sa.String(length=30), nullable=False),
        sa.Column('pbx_call_id', sa.String(length=80), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('requested_at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.Column('done_at', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_switch_requests_agent_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_switch_requests')),
    )
    op.create_index('ix_switch_requests_pbx_name_status', 'switch_requests', ['pbx_name', 'status'])
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('recording', sa.String(length=255), nullable=True))
    with op.batch_alter_table('pbx_secrets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_pbx_secrets_webhook_token'), ['webhook_token'])
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.String(length=255), nullable=False, server_default=''))
        batch_op.drop_constraint('uq_call_events_pbx_name', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_call_events_pbx_name'),
                                          ['pbx_name', 'pbx_call_id', 'event', 'detail'])
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.alter_column('detail', server_default=None)


def downgrade():
    op.execute("DELETE FROM call_events WHERE detail <> ''")
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_call_events_pbx_name'), type_='unique')
        batch_op.create_unique_constraint('uq_call_events_pbx_name', ['pbx_name', 'pbx_call_id', 'event'])
        batch_op.drop_column('detail')
    with op.batch_alter_table('pbx_secrets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_pbx_secrets_webhook_token'), type_='unique')
        batch_op.drop_column('webhook_token')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('recording')
        batch_op.drop_column('queue')
    op.drop_index('ix_switch_requests_pbx_name_status', table_name='switch_requests')
    op.drop_table('switch_requests')
    op.drop_table('switch_connectors')
