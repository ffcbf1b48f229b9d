"""The owner register: people of units (relation, several numbers), search keys, change history,
unit area/layout/status, visits to units and the year's visit plan

Revision ID: 7ad1bc56eb2d
Revises: 5c9a64d77f92
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import kiosk.models.types


# revision identifiers, used by Alembic.
revision = '7ad1bc56eb2d'
down_revision = '5c9a64d77f92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_visit_plans_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visit_plans_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plans')),
    sa.UniqueConstraint('year', 'project_id', 'user_id', name=op.f('uq_visit_plans_year'))
    )
    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plans_year'), ['year'], unique=False)

    op.create_table('owner_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('at', kiosk.models.types.UTCDateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=80), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old', sa.Text(), nullable=False),
    sa.Column('new', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_owner_changes_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], name=op.f('fk_owner_changes_owner_id_owners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_changes'))
    )
    with op.batch_alter_table('owner_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_changes_owner_id'), ['owner_id'], unique=False)

    op.create_table('owner_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('preferred', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], name=op.f('fk_owner_phones_owner_id_owners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_phones')),
    sa.UniqueConstraint('owner_id', 'number', name=op.f('uq_owner_phones_owner_id'))
    )
    with op.batch_alter_table('owner_phones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_phones_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_owner_phones_owner_id'), ['owner_id'], unique=False)

    op.create_table('owner_search_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], name=op.f('fk_owner_search_keys_owner_id_owners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_search_keys'))
    )
    with op.batch_alter_table('owner_search_keys', schema=None) as batch_op:
        batch_op.create_index('ix_owner_search_keys_key_owner', ['key', 'owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_owner_search_keys_owner_id'), ['owner_id'], unique=False)

    op.create_table('unit_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=12), nullable=False),
    sa.Column('moved_in_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], name=op.f('fk_unit_members_owner_id_owners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_members_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_members')),
    sa.UniqueConstraint('unit_id', 'owner_id', name=op.f('uq_unit_members_unit_id'))
    )
    with op.batch_alter_table('unit_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_members_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_members_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', kiosk.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_unit_visits_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], name=op.f('fk_unit_visits_owner_id_owners'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_visits_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_visits'))
    )
    with op.batch_alter_table('unit_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_visits_by_id'), ['by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_visits_on_date'), ['on_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_visits_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_visits_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buildings_name'), ['name'], unique=False)

    with op.batch_alter_table('owners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_contact_time', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_owners_merged_into_id_owners'), 'owners', ['merged_into_id'], ['id'])

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area', sa.Numeric(precision=8, scale=2), nullable=True))
        batch_op.add_column(sa.Column('layout', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='delivered'))
        batch_op.create_index(batch_op.f('ix_units_number'), ['number'], unique=False)
    with op.batch_alter_table('task_slips', schema=None) as batch_op:
        batch_op.create_index('ix_task_slips_caller_phone', ['caller_phone'], unique=False)
    _copy_owners_into_the_register()


def _copy_owners_into_the_register():
    """Each owner's mobile becomes their preferred number, their unit a membership as owner; units nobody
    owns are unsold; every person gets the search keys of their name and number."""
    from kiosk.domain.register import search_keys

    bind = op.get_bind()
    owners = bind.execute(sa.text("SELECT id, name, mobile, unit_id, moved_in_on FROM owners")).all()
    phones = [{"owner_id": o.id, "number": o.mobile} for o in owners if o.mobile]
    if phones:
        bind.execute(sa.text("INSERT INTO owner_phones (owner_id, number, kind, preferred, note) "
                             "VALUES (:owner_id, :number, 'mobile', true, '')"), phones)
    members = [{"owner_id": o.id, "unit_id": o.unit_id, "moved_in_on": o.moved_in_on} for o in owners if o.unit_id]
    if members:
        bind.execute(sa.text("INSERT INTO unit_members (owner_id, unit_id, relation, moved_in_on) "
                             "VALUES (:owner_id, :unit_id, 'owner', :moved_in_on)"), members)
    keys = [{"owner_id": o.id, "key": key} for o in owners
            for key in sorted(search_keys(o.name or "", [o.mobile] if o.mobile else []))]
    if keys:
        bind.execute(sa.text("INSERT INTO owner_search_keys (owner_id, key) VALUES (:owner_id, :key)"), keys)
    bind.execute(sa.text("UPDATE units SET status = 'unsold' WHERE id NOT IN "
                         "(SELECT unit_id FROM owners WHERE unit_id IS NOT NULL)"))



def downgrade():
    with op.batch_alter_table('task_slips', schema=None) as batch_op:
        batch_op.drop_index('ix_task_slips_caller_phone')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_number'))
        batch_op.drop_column('status')
        batch_op.drop_column('layout')
        batch_op.drop_column('area')

    with op.batch_alter_table('owners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_owners_merged_into_id_owners'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('preferred_contact_time')

    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buildings_name'))

    with op.batch_alter_table('unit_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_visits_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_visits_owner_id'))
        batch_op.drop_index(batch_op.f('ix_unit_visits_on_date'))
        batch_op.drop_index(batch_op.f('ix_unit_visits_by_id'))

    op.drop_table('unit_visits')
    with op.batch_alter_table('unit_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_members_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_members_owner_id'))

    op.drop_table('unit_members')
    with op.batch_alter_table('owner_search_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_search_keys_owner_id'))
        batch_op.drop_index('ix_owner_search_keys_key_owner')

    op.drop_table('owner_search_keys')
    with op.batch_alter_table('owner_phones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_phones_owner_id'))
        batch_op.drop_index(batch_op.f('ix_owner_phones_number'))

    op.drop_table('owner_phones')
    with op.batch_alter_table('owner_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_changes_owner_id'))

    op.drop_table('owner_changes')
    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plans_year'))

    op.drop_table('visit_plans')
