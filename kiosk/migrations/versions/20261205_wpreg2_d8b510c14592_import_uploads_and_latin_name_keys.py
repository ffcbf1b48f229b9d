"""Register files kept between their dry run and their import; Latin names found by their words

Revision ID: d8b510c14592
Revises: e4b70a93c1d8
Create Date: 2026-12-05 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types
from kiosk.domain.register import latin_words


# revision identifiers, used by Alembic.
revision = 'd8b510c14592'
down_revision = 'e4b70a93c1d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('register_import_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('create_buildings', sa.Boolean(), nullable=False),
    sa.Column('created_at', kiosk.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', kiosk.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_register_import_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_import_uploads')),
    sa.UniqueConstraint('token', name=op.f('uq_register_import_uploads_token'))
    )
    with op.batch_alter_table('register_import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_import_uploads_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_import_uploads_user_id'), ['user_id'], unique=False)
    # The people already on file with a Latin name get the keys of its words (``lw:``).
    keys = sa.table('owner_search_keys', sa.column('owner_id', sa.Integer()), sa.column('key', sa.String()))
    owners = op.get_bind().execute(sa.text("SELECT id, name FROM owners")).all()
    rows = [{'owner_id': owner_id, 'key': f'lw:{word}'} for owner_id, name in owners
            for word in sorted(latin_words(name or ''))]
    if rows:
        op.bulk_insert(keys, rows)


def downgrade():
    op.execute("DELETE FROM owner_search_keys WHERE key LIKE 'lw:%'")
    with op.batch_alter_table('register_import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_import_uploads_user_id'))
        batch_op.drop_index(batch_op.f('ix_register_import_uploads_expires_at'))
    op.drop_table('register_import_uploads')
