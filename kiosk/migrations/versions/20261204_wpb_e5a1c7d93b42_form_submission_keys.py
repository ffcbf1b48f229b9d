"""One-time form submission keys

Revision ID: e5a1c7d93b42
Revises: 9c3d5e7f1b20
Create Date: 2026-12-04 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = 'e5a1c7d93b42'
down_revision = '3f6a1c8e2d47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submitter', sa.String(length=40), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kiosk.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
    sa.UniqueConstraint('submitter', 'form', 'key', name=op.f('uq_form_submissions_submitter'))
    )
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submissions_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submissions_created_at'))
    op.drop_table('form_submissions')
