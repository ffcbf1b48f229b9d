"""Calls keep the switch's hangup cause (the generic webhook's ``cause``)

Revision ID: e4b70a93c1d8
Revises: 7c3e91b04fa6
Create Date: 2026-12-05 18:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b70a93c1d8'
down_revision = '7c3e91b04fa6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hangup_cause', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('hangup_cause')
