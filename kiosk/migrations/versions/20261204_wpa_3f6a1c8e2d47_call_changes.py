"""A call's history: who changed what on it and why

Revision ID: 3f6a1c8e2d47
Revises: 9c3d5e7f1b20
Create Date: 2026-12-04 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = '3f6a1c8e2d47'
down_revision = '5e1a7c3b9d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'call_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('before', sa.String(length=200), nullable=False),
        sa.Column('after', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_changes_call_id_calls'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_call_changes_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_changes')),
    )
    with op.batch_alter_table('call_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_changes_call_id'), ['call_id'], unique=False)


def downgrade():
    with op.batch_alter_table('call_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_changes_call_id'))
    op.drop_table('call_changes')
