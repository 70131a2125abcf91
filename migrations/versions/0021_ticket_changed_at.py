"""ticket.changed_at: when anything shown about a ticket last changed (live queue)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 17:00:00.000000

Reviewed by hand. The live queue asks "which tickets changed since a moment" every few
seconds; helpdesk.tickets.stamp sets this column on every write to a ticket, its
messages or its events. NULL for existing tickets (nothing changed since the upgrade), so
the column costs no rewrite of the table; the index holds only the stamped rows.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

WHERE = 'changed_at IS NOT NULL'


# Altered in place, never rebuilt (see 0017): ADD/DROP COLUMN work on both databases.
def upgrade():
    op.add_column('ticket', sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        'ix_ticket_changed_at',
        'ticket',
        ['changed_at'],
        unique=False,
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def downgrade():
    op.drop_index('ix_ticket_changed_at', table_name='ticket')
    op.execute("ALTER TABLE ticket DROP COLUMN changed_at")
