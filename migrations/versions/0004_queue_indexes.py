"""queue indexes: sort every ticket by last update or by policy deadline

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 11:05:00.000000

The queue's "All tickets" view has no status to lead an index with; without these,
sorting it by last update or by nearest deadline reads and sorts the whole table. The
deadline index ends with the id so that a page deep among the tickets without a deadline
(`policy_deadline IS NULL AND id > :last`) is a range of the index.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_policy_deadline_id'), ['policy_deadline', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_policy_deadline_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_updated_at'))
