"""Watch-list entries carry a kind (former employee, blocked complainant, other)

The kind decides whom a hit alerts when the entry names no one (a former employee: HR at once, seed 000
§4 B1). Existing entries that already send to HR are former employees; every other one is "other", which
alerts the service-centre supervisor exactly as before.

Revision ID: 5c9a64d77f92
Revises: 835a6df5c851
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c9a64d77f92'
down_revision = '835a6df5c851'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('watch_list') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=30), server_default='other', nullable=False))
    op.execute("UPDATE watch_list SET kind = 'former_employee' WHERE alert_role IN ('hr', 'hr_officer')")


def downgrade():
    with op.batch_alter_table('watch_list') as batch:
        batch.drop_column('kind')
