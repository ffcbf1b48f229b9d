"""Visits and people on site per place, kept by triggers on visits; the on-site index by place dropped

The board's visitors panel, its version and the wallboard's people on site counted and summed every visit on
site (some 3,000 index entries at a busy year's end, read at each of their polls and renders: most of
PostgreSQL's time for them). The database now keeps, per place, how many visits are on site, how many people,
and how many times a visit on site arrived, left or was changed (the panel's version: it rises at each). Filled
from the visits here, then kept at every insert, delete and change of a visit on site; a visit arriving at a
place never seen before makes its row. The index by place read only for those counts goes: one index entry
fewer for every sign-in and sign-out to write.

Revision ID: a1e6c5e5309a
Revises: e7a2c9d4f1b6
Create Date: 2026-12-05 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1e6c5e5309a'
down_revision = 'e7a2c9d4f1b6'
branch_labels = None
depends_on = None

ON_SITE = "signed_out_at IS NULL"

FILL = """INSERT INTO on_site_counts (place, visits, people, changes)
    SELECT place, count(*), sum(party_size), count(*) FROM visits WHERE signed_out_at IS NULL GROUP BY place"""

# A visit on site arriving at a place (signed in, or its place changed) and one leaving it (signed out,
# deleted or its place changed); a change to a visit on site is both, and each raises the changes.
ARRIVE = """INSERT INTO on_site_counts (place, visits, people, changes) VALUES (NEW.place, 1, NEW.party_size, 1)
        ON CONFLICT (place) DO UPDATE SET visits = on_site_counts.visits + 1,
            people = on_site_counts.people + EXCLUDED.people, changes = on_site_counts.changes + 1"""
LEAVE = """UPDATE on_site_counts SET visits = visits - 1, people = people - OLD.party_size, changes = changes + 1
        WHERE place = OLD.place"""

SQLITE_UP = [
    f"""CREATE TRIGGER on_site_counts_insert AFTER INSERT ON visits WHEN NEW.signed_out_at IS NULL
    BEGIN
        {ARRIVE};
    END""",
    f"""CREATE TRIGGER on_site_counts_delete AFTER DELETE ON visits WHEN OLD.signed_out_at IS NULL
    BEGIN
        {LEAVE};
    END""",
    f"""CREATE TRIGGER on_site_counts_leave AFTER UPDATE ON visits WHEN OLD.signed_out_at IS NULL
    BEGIN
        {LEAVE};
    END""",
    f"""CREATE TRIGGER on_site_counts_arrive AFTER UPDATE ON visits WHEN NEW.signed_out_at IS NULL
    BEGIN
        {ARRIVE};
    END""",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS on_site_counts_{kind}" for kind in ("insert", "delete", "leave", "arrive")]

# Deferred to the commit: a sign-in holds the row of its place locked (two tablets at one place signing in at
# once queue there) only while it commits, not through the statements that follow its visit's insert.
POSTGRESQL_UP = [
    f"""CREATE FUNCTION on_site_counts_arrive() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {ARRIVE};
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION on_site_counts_leave() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {LEAVE};
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER on_site_counts_arrive AFTER INSERT OR UPDATE ON visits
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.signed_out_at IS NULL)
    EXECUTE FUNCTION on_site_counts_arrive()""",
    """CREATE CONSTRAINT TRIGGER on_site_counts_leave AFTER DELETE OR UPDATE ON visits
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.signed_out_at IS NULL)
    EXECUTE FUNCTION on_site_counts_leave()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS on_site_counts_arrive ON visits",
    "DROP TRIGGER IF EXISTS on_site_counts_leave ON visits",
    "DROP FUNCTION IF EXISTS on_site_counts_arrive()",
    "DROP FUNCTION IF EXISTS on_site_counts_leave()",
]


def upgrade():
    op.create_table(
        'on_site_counts',
        sa.Column('place', sa.String(length=30), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('place', name=op.f('pk_on_site_counts')),
    )
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        # No visit written between the count and the triggers (an install migrated while it serves): the
        # writers wait for this transaction, the readers do not.
        op.execute("LOCK TABLE visits IN SHARE ROW EXCLUSIVE MODE")
    op.execute(FILL)
    for statement in POSTGRESQL_UP if postgres else SQLITE_UP:
        op.execute(statement)
    op.drop_index('ix_visits_on_site_places', table_name='visits')


def downgrade():
    op.create_index('ix_visits_on_site_places', 'visits', ['place', 'party_size', 'id', 'signed_out_at'],
                    unique=False, sqlite_where=sa.text(ON_SITE), postgresql_where=sa.text(ON_SITE))
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table('on_site_counts')
