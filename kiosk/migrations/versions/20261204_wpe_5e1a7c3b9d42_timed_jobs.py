"""Timed jobs: job_schedule (due time and lease per job) and job_runs (every run)

Revision ID: 5e1a7c3b9d42
Revises: 9c3d5e7f1b20
Create Date: 2026-12-04 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = '5e1a7c3b9d42'
down_revision = '3f8a1c6e2d47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_schedule',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('next_due_at', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('lease_holder', sa.String(length=120), nullable=True),
        sa.Column('lease_until', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('last_finished_at', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('alert', sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_schedule')),
    )
    op.create_table(
        'job_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=60), nullable=False),
        sa.Column('worker', sa.String(length=120), nullable=False),
        sa.Column('due_at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.Column('started_at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.Column('finished_at', kiosk.models.types.UTCDateTime(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_id', ['job', 'id'], unique=False)
        batch_op.create_index('ix_job_runs_started_at', ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_started_at')
        batch_op.drop_index('ix_job_runs_job_id')
    op.drop_table('job_runs')
    op.drop_table('job_schedule')
