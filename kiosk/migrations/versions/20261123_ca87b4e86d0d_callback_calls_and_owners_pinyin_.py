"""Callback calls, and the pinyin initials of owners stored before initials existed

Revision ID: ca87b4e86d0d
Revises: 396e37eed9eb
Create Date: 2026-11-23 12:26:02.581348

Owners saved before revision 77d5386f7abb added ``owners.name_initials`` have an empty value, so the
hotline's search by initials ("zjh") misses them. This revision fills them in. It computes them with
pypinyin (a pinned dependency, like SQLAlchemy) and a frozen copy of the rule that
``kiosk.domain.hotline.pinyin_initials`` applies today: a migration must give the same result when it is
replayed years from now, so it never imports application code. New and renamed owners get their
initials from the model (``Owner._keep_initials``).
"""
from alembic import op
import sqlalchemy as sa
from pypinyin import Style, lazy_pinyin

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = 'ca87b4e86d0d'
down_revision = '396e37eed9eb'
branch_labels = None
depends_on = None

BATCH = 500
owners = sa.table('owners', sa.column('id', sa.Integer), sa.column('name', sa.String),
                  sa.column('name_initials', sa.String))


def _initials(name):
    """'张建华' -> 'zjh'; 'Li Na' -> 'ln' (as kiosk.domain.hotline.pinyin_initials at this revision)."""
    parts = lazy_pinyin((name or '').strip(), style=Style.FIRST_LETTER, errors='default')
    return ''.join(word[0] for part in parts for word in part.split()
                   if word[0].isascii() and word[0].isalnum()).lower()


def _backfill_initials():
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(owners.c.id, owners.c.name)
            .where(owners.c.name_initials == '', owners.c.id > last_id)
            .order_by(owners.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            owners.update().where(owners.c.id == sa.bindparam('owner_id'))
            .values(name_initials=sa.bindparam('initials')),
            [{'owner_id': owner_id, 'initials': _initials(name)} for owner_id, name in rows],
        )
        last_id = rows[-1][0]


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_calls_callback_id'), ['callback_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_calls_callback_id_callbacks'), 'callbacks', ['callback_id'], ['id'], ondelete='SET NULL')
    _backfill_initials()


def downgrade():
    # The initials filled in stay: they are derived from the names and harmless to keep.
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_calls_callback_id_callbacks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_calls_callback_id'))
        batch_op.drop_column('callback_id')
