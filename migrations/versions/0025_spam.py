"""spam: the ticket status 'spam', the blocklist, the fetched mail outcome 'blocked'

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 17:10:00.000000

Reviewed by hand. A ticket marked as spam has the status 'spam' (helpdesk/tickets/spam.py):
the status CHECK (0010) gains it; the lists are written out here, frozen. No index
changes: the open-ticket partial indexes never held spam, and the Spam view reads the
(status, created_at) index. New table blocked_sender (an address or a domain, unique,
lower case). The fetched mail outcome CHECK (0010) gains 'blocked'.

PostgreSQL drops and adds the constraint in place. SQLite cannot alter a CHECK: the table
is rebuilt from its own CREATE TABLE text with the status list changed, and its indexes
(the expression and partial ones too) are created again from their own text.
"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

STATUSES = ('new', 'open', 'pending', 'solved', 'closed')
OUTCOMES = ('ticket', 'reply', 'ignored', 'quarantined')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _statuses(values):
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_ticket_check(values)
        return
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ticket_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ticket_status'), _in('status', values))


def _sqlite_ticket_check(values):
    """SQLite cannot alter a CHECK: rebuild the table from its own CREATE TABLE text with
    only the status list changed (SQLite's documented procedure), so every column keeps its
    definition (a batch rebuild would rewrite later-added REFERENCES as table constraints,
    which a later DROP COLUMN refuses), then create its indexes and triggers again."""
    bind = op.get_bind()
    table_sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ticket'")
    ).scalar_one()
    others = bind.execute(
        sa.text(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'ticket' "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
    ).scalars().all()
    check = re.compile(r"CONSTRAINT ck_ticket_status CHECK \(status IN \([^)]*\)\)")
    assert len(check.findall(table_sql)) == 1, table_sql
    new_sql = check.sub(
        lambda _m: f"CONSTRAINT ck_ticket_status CHECK ({_in('status', values)})", table_sql
    )
    new_sql = re.sub(r'^CREATE TABLE\s+("ticket"|ticket)', 'CREATE TABLE "_ticket_new"', new_sql)
    op.execute(new_sql)
    op.execute('INSERT INTO "_ticket_new" SELECT * FROM ticket')
    op.execute('DROP TABLE ticket')
    op.execute('ALTER TABLE "_ticket_new" RENAME TO ticket')
    for sql in others:
        op.execute(sql)


def _outcomes(values):
    with op.batch_alter_table('fetched_mail', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_fetched_mail_outcome'), type_='check')
        batch_op.create_check_constraint(op.f('ck_fetched_mail_outcome'), _in('outcome', values))


def upgrade():
    _statuses((*STATUSES, 'spam'))
    _outcomes((*OUTCOMES, 'blocked'))
    op.create_table(
        'blocked_sender',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.String(length=254), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('address', 'domain')", name=op.f('ck_blocked_sender_kind')),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user.id'], name=op.f('fk_blocked_sender_created_by_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_blocked_sender')),
        sa.UniqueConstraint('value', name=op.f('uq_blocked_sender_value')),
    )


def downgrade():
    # A spam ticket goes back to the status it had when it was marked (open if unknown).
    op.execute(
        "UPDATE ticket SET status = coalesce(("
        "SELECT e.old_value FROM ticket_event e WHERE e.ticket_id = ticket.id "
        "AND e.kind = 'status' AND e.new_value = 'spam' AND e.old_value <> 'spam' "
        "ORDER BY e.id DESC LIMIT 1), 'open') WHERE status = 'spam'"
    )
    _statuses(STATUSES)
    op.drop_table('blocked_sender')
    # Blocked mail made nothing: it reads as ignored, its reason kept.
    op.execute("UPDATE fetched_mail SET outcome = 'ignored' WHERE outcome = 'blocked'")
    _outcomes(OUTCOMES)
