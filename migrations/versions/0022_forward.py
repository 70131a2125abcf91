"""forwarding: the message directions 'forward' and 'fwd_reply', the outbox and event kind 'forward'

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 17:10:00.000000

Reviewed by hand. A ticket or message an agent forwards to someone else is a message of
direction 'forward' (its mail an outbox row of kind 'forward', recorded as an event of
kind 'forward'); that person's answer threads in as direction 'fwd_reply'. Only the CHECK
lists of 0010/0016/0017 change; they are written out here, frozen.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

DIRECTIONS = ('inbound', 'outbound', 'note')
OUTBOX_KINDS = ('ack', 'reply', 'account', 'notify')
EVENT_KINDS = (
    'created', 'status', 'category', 'priority', 'assignee_id', 'order_number',
    'reply', 'note', 'mail_retry', 'policy_check', 'automatic', 'not_acknowledged', 'snooze',
)
# (table, constraint, column, values before, values after)
CHECKS = (
    ('message', 'ck_message_direction', 'direction', DIRECTIONS, (*DIRECTIONS, 'forward', 'fwd_reply')),
    ('outbox_mail', 'ck_outbox_mail_kind', 'kind', OUTBOX_KINDS, (*OUTBOX_KINDS, 'forward')),
    ('ticket_event', 'ck_ticket_event_kind', 'kind', EVENT_KINDS, (*EVENT_KINDS, 'forward')),
)


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _check(table, name, column, values):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(name), type_='check')
        batch_op.create_check_constraint(op.f(name), _in(column, values))


def upgrade():
    for table, name, column, _before, after in CHECKS:
        _check(table, name, column, after)


def downgrade():
    # Forwards and their answers go; the answers' fetched mail records keep their raw mail.
    op.execute("DELETE FROM ticket_event WHERE kind = 'forward'")
    op.execute("DELETE FROM outbox_mail WHERE kind = 'forward'")
    op.execute(
        "UPDATE fetched_mail SET message_pk = NULL WHERE message_pk IN "
        "(SELECT id FROM message WHERE direction IN ('forward', 'fwd_reply'))"
    )
    op.execute(
        "DELETE FROM attachment WHERE message_pk IN "
        "(SELECT id FROM message WHERE direction IN ('forward', 'fwd_reply'))"
    )
    op.execute("DELETE FROM message WHERE direction IN ('forward', 'fwd_reply')")
    for table, name, column, before, _after in reversed(CHECKS):
        _check(table, name, column, before)
