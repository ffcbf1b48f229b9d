"""Buyer steps signed off by the collector or reviewer they name

Revision ID: 9c3d5e7f1b20
Revises: 4b7e2c9d1a35
Create Date: 2026-12-04 02:40:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = '9c3d5e7f1b20'
down_revision = '4b7e2c9d1a35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('buyer_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', kiosk.models.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('buyer_steps', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')
