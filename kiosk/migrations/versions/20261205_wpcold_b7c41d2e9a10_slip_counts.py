"""Slips per department and status, kept by triggers on task_slips

The board's by-department panel read every open slip to count them; it now reads these counts (a row per
department and status) and counts only the running slips not yet due. Filled from the slips here, then
kept by the database at every insert, delete and change of a slip's status or department.

Revision ID: b7c41d2e9a10
Revises: 992b334f0b6d
Create Date: 2026-12-05 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41d2e9a10'
down_revision = '992b334f0b6d'
branch_labels = None
depends_on = None

FILL = """INSERT INTO slip_counts (department_id, status, slips)
    SELECT department_id, status, count(*) FROM task_slips WHERE department_id IS NOT NULL
    GROUP BY department_id, status"""

# A slip leaving a count lowers it, one arriving raises it (the row made when first needed).
SQLITE_UP = [
    """CREATE TRIGGER slip_counts_insert AFTER INSERT ON task_slips WHEN NEW.department_id IS NOT NULL
    BEGIN
        INSERT INTO slip_counts (department_id, status, slips) VALUES (NEW.department_id, NEW.status, 1)
        ON CONFLICT (department_id, status) DO UPDATE SET slips = slips + 1;
    END""",
    """CREATE TRIGGER slip_counts_delete AFTER DELETE ON task_slips WHEN OLD.department_id IS NOT NULL
    BEGIN
        UPDATE slip_counts SET slips = slips - 1
        WHERE department_id = OLD.department_id AND status = OLD.status;
    END""",
    """CREATE TRIGGER slip_counts_update AFTER UPDATE OF department_id, status ON task_slips
    WHEN NEW.status IS NOT OLD.status OR NEW.department_id IS NOT OLD.department_id
    BEGIN
        UPDATE slip_counts SET slips = slips - 1
        WHERE department_id = OLD.department_id AND status = OLD.status;
        INSERT INTO slip_counts (department_id, status, slips)
        SELECT NEW.department_id, NEW.status, 1 WHERE NEW.department_id IS NOT NULL
        ON CONFLICT (department_id, status) DO UPDATE SET slips = slips + 1;
    END""",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS slip_counts_{kind}" for kind in ("insert", "delete", "update")]

POSTGRESQL_UP = [
    """CREATE FUNCTION slip_counts_add(department integer, slip_status varchar, delta integer)
    RETURNS void LANGUAGE sql AS $$
        INSERT INTO slip_counts (department_id, status, slips)
        SELECT department, slip_status, delta WHERE department IS NOT NULL
        ON CONFLICT (department_id, status) DO UPDATE SET slips = slip_counts.slips + EXCLUDED.slips
    $$""",
    # A slip moving between two counts takes them in the order of their keys: two slips moving between
    # the same two counts in opposite directions wait for each other rather than deadlock.
    """CREATE FUNCTION slip_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.status = OLD.status
                AND NEW.department_id IS NOT DISTINCT FROM OLD.department_id THEN
            RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' AND (NEW.department_id, NEW.status) < (OLD.department_id, OLD.status) THEN
            PERFORM slip_counts_add(NEW.department_id, NEW.status, 1);
            PERFORM slip_counts_add(OLD.department_id, OLD.status, -1);
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            PERFORM slip_counts_add(OLD.department_id, OLD.status, -1);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM slip_counts_add(NEW.department_id, NEW.status, 1);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER slip_counts_follow AFTER INSERT OR DELETE OR UPDATE OF department_id, status
    ON task_slips FOR EACH ROW EXECUTE FUNCTION slip_counts_follow()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS slip_counts_follow ON task_slips",
    "DROP FUNCTION IF EXISTS slip_counts_follow()",
    "DROP FUNCTION IF EXISTS slip_counts_add(integer, varchar, integer)",
]


def upgrade():
    op.create_table(
        'slip_counts',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('slips', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_slip_counts_department_id_departments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('department_id', 'status', name=op.f('pk_slip_counts')),
    )
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        # No slip written between the count and the triggers (an install migrated while it serves): the
        # writers wait for this transaction, the readers do not.
        op.execute("LOCK TABLE task_slips IN SHARE ROW EXCLUSIVE MODE")
    op.execute(FILL)
    for statement in POSTGRESQL_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table('slip_counts')
