"""ticket presence: who has a ticket page open and who is typing a reply

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 17:00:00.000000

Reviewed by hand. New table ticket_presence: one row per open ticket page (ticket, user,
the page's random key), refreshed by the page's heartbeat (seen_at) and marked while the
user types a reply (typing_until). Rows are short-lived: stale ones are deleted by the
next heartbeat, through ix_ticket_presence_seen_at. Deleting a ticket or a user deletes
their rows.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('page_key', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('typing_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_presence_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ticket_presence_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_presence')),
    sa.UniqueConstraint('ticket_id', 'user_id', 'page_key', name=op.f('uq_ticket_presence_ticket_id_user_id_page_key'))
    )
    op.create_index('ix_ticket_presence_seen_at', 'ticket_presence', ['seen_at'], unique=False)


def downgrade():
    op.drop_index('ix_ticket_presence_seen_at', table_name='ticket_presence')
    op.drop_table('ticket_presence')
