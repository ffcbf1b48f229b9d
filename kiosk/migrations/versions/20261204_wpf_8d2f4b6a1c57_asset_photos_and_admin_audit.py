"""Asset photos in the database; the append-only administration audit log

Revision ID: 8d2f4b6a1c57
Revises: e5a1c7d93b42
Create Date: 2026-12-04 10:00:00

Photos already stored as files (ASSET_PHOTO_DIR) stay where they are: a migration cannot read a folder
that may sit on another host. ``flask --app kiosk photos-to-database`` moves them into the table.

``admin_audit`` is append-only: a trigger refuses every UPDATE and DELETE of its rows.
"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = '8d2f4b6a1c57'
down_revision = 'e5a1c7d93b42'
branch_labels = None
depends_on = None

REFUSAL = 'admin_audit is append-only'

POSTGRESQL_UP = [
    f"""CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
        END $$""",
    """CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit
        FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS admin_audit_append_only ON admin_audit",
    "DROP FUNCTION IF EXISTS admin_audit_append_only()",
]
SQLITE_UP = [
    f"""CREATE TRIGGER admin_audit_no_{verb.lower()} BEFORE {verb} ON admin_audit
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"""
    for verb in ('UPDATE', 'DELETE')
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS admin_audit_no_update", "DROP TRIGGER IF EXISTS admin_audit_no_delete"]


def upgrade():
    op.create_table(
        'asset_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('mime', sa.String(length=30), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['model_home_asset_records.id'],
                                name=op.f('fk_asset_photos_record_id_model_home_asset_records'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_photos')),
    )
    with op.batch_alter_table('asset_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_photos_record_id'), ['record_id'], unique=False)

    op.create_table(
        'admin_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', kiosk.models.types.UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_username', sa.String(length=40), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('object_type', sa.String(length=30), nullable=False),
        sa.Column('object_id', sa.String(length=40), nullable=False),
        sa.Column('object_label', sa.String(length=120), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_audit_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit')),
    )
    with op.batch_alter_table('admin_audit', schema=None) as batch_op:
        batch_op.create_index('ix_admin_audit_at', ['at'], unique=False)
        batch_op.create_index('ix_admin_audit_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index('ix_admin_audit_object_type_at', ['object_type', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_audit_action'), ['action'], unique=False)
    for statement in POSTGRESQL_UP if op.get_bind().dialect.name == 'postgresql' else SQLITE_UP:
        op.execute(statement)


def downgrade():
    for statement in POSTGRESQL_DOWN if op.get_bind().dialect.name == 'postgresql' else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table('admin_audit')
    op.drop_table('asset_photos')
