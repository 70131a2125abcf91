"""CHECK constraints on the closed vocabularies

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 23:30:00.000000

Reviewed by hand. Each column below holds one of a closed list of values
(helpdesk/models/vocabulary.py); the database now refuses any other. The lists are
written out here, frozen, as the models declared them at this revision. Every value the
code writes was checked to be in its list, so existing rows pass.

PostgreSQL: ADD CONSTRAINT ... CHECK validates the existing rows. SQLite: batch mode
rebuilds the tables with the constraints (foreign keys are checked once the tables are
rebuilt, see migrations/env.py).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# (table, constraint name as the models' naming convention makes it, column, values)
CHECKS = (
    ('ticket', 'ck_ticket_status', 'status', ('new', 'open', 'pending', 'solved', 'closed')),
    (
        'ticket_event',
        'ck_ticket_event_kind',
        'kind',
        (
            'created', 'status', 'category', 'priority', 'assignee_id', 'order_number',
            'reply', 'note', 'mail_retry', 'policy_check', 'automatic', 'not_acknowledged',
        ),
    ),
    ('message', 'ck_message_direction', 'direction', ('inbound', 'outbound', 'note')),
    (
        'fetched_mail',
        'ck_fetched_mail_outcome',
        'outcome',
        ('ticket', 'reply', 'ignored', 'quarantined'),
    ),
    ('outbox_mail', 'ck_outbox_mail_status', 'status', ('queued', 'sending', 'sent', 'failed')),
    ('outbox_mail', 'ck_outbox_mail_kind', 'kind', ('ack', 'reply')),
)


def upgrade():
    for table, name, column, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(name), _in(column, values))


def downgrade():
    for table, name, _column, _values in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_='check')
