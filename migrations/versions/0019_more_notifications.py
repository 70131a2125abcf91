"""More staff notifications: SLA and snooze choices, followed categories, SLA notices

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 17:00:00.000000

Reviewed by hand. New user columns notify_sla (on, so existing users get it) and
notify_snoozed (off). category_follow: the categories whose new tickets a user is mailed
about. sla_notice: a ticket's target (first_response, resolution) reached a state
(due_soon, breached) and was notified, so it never is again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_sla', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_snoozed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('category_follow',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_category_follow_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'category', name=op.f('pk_category_follow'))
    )
    op.create_index(op.f('ix_category_follow_category'), 'category_follow', ['category'], unique=False)
    op.create_table('sla_notice',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('noticed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_sla_notice_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'target', 'state', name=op.f('pk_sla_notice'))
    )


def downgrade():
    op.drop_table('sla_notice')
    op.drop_index(op.f('ix_category_follow_category'), table_name='category_follow')
    op.drop_table('category_follow')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('notify_snoozed')
        batch_op.drop_column('notify_sla')
