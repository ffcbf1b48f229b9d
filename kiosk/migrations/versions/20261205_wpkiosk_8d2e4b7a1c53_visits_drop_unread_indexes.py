"""The visits lose their single-column indexes on place, purpose, incident class and tablet

No query reads a visit by one of them alone: the visitor log filters by them within a date range (or a
mobile, or the visits on site, which have indexes of their own), and the few values of each match a
quarter or more of a year's visits. SQLite's planner, without statistics, took the place's or the class's
index over the date range's all the same: the log of one week at one place read every visit of that
place and sorted them (80 ms at a year; 10 ms by the date range). No query reads the visits of a tablet
(a tablet is revoked, never deleted, so its foreign key never looks for them either). And each index was
written at every kiosk sign-in: four pages fewer for SQLite's commit to write (and to read again after
another worker's commit emptied the connection's page cache), four index entries fewer for PostgreSQL.

Revision ID: 8d2e4b7a1c53
Revises: 8e4b2d9c7a61
Create Date: 2026-12-05 07:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8d2e4b7a1c53'
down_revision = '8e4b2d9c7a61'
branch_labels = None
depends_on = None


DROPPED = ('place', 'purpose', 'incident_class', 'device_id')


def upgrade():
    for column in DROPPED:
        op.drop_index(f'ix_visits_{column}', table_name='visits')


def downgrade():
    for column in DROPPED:
        op.create_index(f'ix_visits_{column}', 'visits', [column], unique=False)
