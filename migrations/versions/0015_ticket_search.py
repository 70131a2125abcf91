"""ticket search document, My open tickets and priority indexes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 14:00:00.000000

Reviewed by hand.
- ticket.search (PostgreSQL: tsvector; SQLite: an unused, empty text column): the words of
  the ticket's subject and of all its messages, kept by helpdesk/tickets/search.py. The
  queue's search reads it through the GIN index ix_ticket_search (a rare word) or tests it
  row by row while walking the sort order's index (a common word), instead of searching
  every message (ix_message_fts, dropped: nothing reads it any more).
  Existing tickets are filled in batches of ids; measured at 1,000,000 tickets (3M
  messages): see the README's upgrade notes. Run VACUUM ANALYZE ticket afterwards (every
  ticket row was rewritten once).
- ix_ticket_mine (assignee_id, created_at, id) for the open tickets only: My open tickets
  reads its own rows in order instead of all of the agent's tickets.
- ix_ticket_open_priority: the open tickets by priority rank, then age (the queue's
  priority sort, written with the same expression as helpdesk.models.ticket.PRIORITY_RANK).
The conditions and expressions are written out here, frozen, as the models declared them
at this revision.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ACTIONABLE_WHERE = "status IN ('new', 'open')"
PRIORITY_RANK = (
    "CASE priority WHEN 'low' THEN 0 WHEN 'normal' THEN 1 WHEN 'high' THEN 2 "
    "WHEN 'urgent' THEN 3 ELSE -1 END"
)
DOCUMENT = (
    "strip(to_tsvector('simple', left(ticket.subject || ' ' || coalesce(("
    "SELECT string_agg(message.subject || ' ' || message.text, ' ' ORDER BY message.id) "
    "FROM message WHERE message.ticket_id = ticket.id), ''), 250000)))"
)
BATCH = 20_000  # ticket ids per UPDATE
MESSAGE_FTS = (
    "CREATE INDEX ix_message_fts ON message USING gin "
    "(to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(text, '')))"
)


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.add_column(
        'ticket',
        sa.Column('search', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')),
    )
    op.create_index(
        'ix_ticket_mine',
        'ticket',
        ['assignee_id', 'created_at', 'id'],
        unique=False,
        postgresql_where=sa.text(ACTIONABLE_WHERE),
        sqlite_where=sa.text(ACTIONABLE_WHERE),
    )
    op.create_index(
        'ix_ticket_open_priority',
        'ticket',
        [sa.text(f"({PRIORITY_RANK})"), 'created_at'],
        unique=False,
        postgresql_where=sa.text(ACTIONABLE_WHERE),
        sqlite_where=sa.text(ACTIONABLE_WHERE),
    )
    if not postgres:
        return
    bind = op.get_bind()
    low, high = bind.execute(sa.text("SELECT min(id), max(id) FROM ticket")).one()
    if low is not None:
        update = sa.text(f"UPDATE ticket SET search = {DOCUMENT} WHERE id >= :a AND id < :b")
        for start in range(low, high + 1, BATCH):
            bind.execute(update, {"a": start, "b": start + BATCH})
    op.create_index('ix_ticket_search', 'ticket', ['search'], postgresql_using='gin')
    op.execute("DROP INDEX IF EXISTS ix_message_fts")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(MESSAGE_FTS)
        op.drop_index('ix_ticket_search', table_name='ticket')
    op.drop_index('ix_ticket_open_priority', table_name='ticket')
    op.drop_index('ix_ticket_mine', table_name='ticket')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('search')
