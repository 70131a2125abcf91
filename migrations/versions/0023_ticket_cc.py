"""ticket recipients: ticket.cc

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 17:40:00.000000

Reviewed by hand. ticket.cc: comma-separated addresses (besides the customer) the last
agent's reply was Cc'd to; the next reply Cc's them by default. Empty for existing tickets.
The ticket table is altered in place, never rebuilt (a SQLite batch rebuild would lose the
expression index ix_ticket_open_priority of 0015).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('ticket', sa.Column('cc', sa.Text(), nullable=False, server_default=''))


def downgrade():
    op.execute("ALTER TABLE ticket DROP COLUMN cc")
