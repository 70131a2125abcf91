"""ticket snooze: snoozed_until, woke_at, the index wake_due reads, the snooze event kind

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 15:30:00.000000

Reviewed by hand. ticket.snoozed_until: a pending ticket comes back (reopens) at this
time; ticket.woke_at: when it came back, the "Back from snooze" mark until someone acts.
Both are NULL for existing tickets. ix_ticket_snoozed_until lets the periodic wake-up
read only the due tickets. The event kind CHECK (0010) gains 'snooze'; the lists are
written out here, frozen.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

KINDS = (
    'created', 'status', 'category', 'priority', 'assignee_id', 'order_number',
    'reply', 'note', 'mail_retry', 'policy_check', 'automatic', 'not_acknowledged',
)


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _kinds(values):
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ticket_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ticket_event_kind'), _in('kind', values))


# The ticket table is altered in place, never rebuilt (SQLite batch mode would lose the
# expression index ix_ticket_open_priority of 0015): ADD/DROP COLUMN work on both.
def upgrade():
    op.add_column('ticket', sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('ticket', sa.Column('woke_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_ticket_snoozed_until', 'ticket', ['snoozed_until'], unique=False)
    _kinds((*KINDS, 'snooze'))


def downgrade():
    op.execute("DELETE FROM ticket_event WHERE kind = 'snooze'")
    _kinds(KINDS)
    op.drop_index('ix_ticket_snoozed_until', table_name='ticket')
    op.execute("ALTER TABLE ticket DROP COLUMN woke_at")
    op.execute("ALTER TABLE ticket DROP COLUMN snoozed_until")
