"""merge and split: ticket.merged_into_id, ticket_event.merged_from_id, two event kinds

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 17:05:00.000000

Reviewed by hand. ticket.merged_into_id: the ticket this one was merged into (NULL for
every existing ticket), with a partial index on the merged ones only (a later merge re-points
them; the views' and reports' "merged_into_id IS NULL" is nearly every row and reads the
other indexes). ticket_event.merged_from_id: the ticket an event happened on
before it was merged into its present ticket (its history moved along); the activity
report does not count such events again. The event kind CHECK (0010, 0017, 0022) gains 'merge'
and 'split'; the lists are written out here, frozen.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

KINDS = (
    'created', 'status', 'category', 'priority', 'assignee_id', 'order_number',
    'reply', 'note', 'mail_retry', 'policy_check', 'automatic', 'not_acknowledged', 'snooze',
    'forward',
)


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _kinds(values):
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ticket_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ticket_event_kind'), _in('kind', values))


# The ticket table is altered in place, never rebuilt (SQLite batch mode would lose the
# expression index ix_ticket_open_priority of 0015). SQLite takes a column's REFERENCES in
# ADD COLUMN (and drops such a column), not a separate ADD CONSTRAINT.
def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "ALTER TABLE ticket ADD COLUMN merged_into_id INTEGER "
            "CONSTRAINT fk_ticket_merged_into_id_ticket REFERENCES ticket (id)"
        )
    else:
        op.add_column('ticket', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            'fk_ticket_merged_into_id_ticket', 'ticket', 'ticket', ['merged_into_id'], ['id']
        )
    op.create_index(
        'ix_ticket_merged_into_id', 'ticket', ['merged_into_id'], unique=False,
        postgresql_where=sa.text('merged_into_id IS NOT NULL'),
        sqlite_where=sa.text('merged_into_id IS NOT NULL'),
    )
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_ticket_event_merged_from_id_ticket'), 'ticket', ['merged_from_id'], ['id']
        )
    _kinds((*KINDS, 'merge', 'split'))


def downgrade():
    op.execute("DELETE FROM ticket_event WHERE kind IN ('merge', 'split')")
    _kinds(KINDS)
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_ticket_event_merged_from_id_ticket'), type_='foreignkey'
        )
        batch_op.drop_column('merged_from_id')
    op.drop_index('ix_ticket_merged_into_id', table_name='ticket')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_ticket_merged_into_id_ticket', 'ticket', type_='foreignkey')
    op.execute("ALTER TABLE ticket DROP COLUMN merged_into_id")
