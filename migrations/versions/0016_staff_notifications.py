"""Staff notifications: each user's choices, and the outbox kind 'notify'

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 15:30:00.000000

Reviewed by hand. New user columns notify_assigned and notify_customer_wrote (on by
default, so existing users get both). The outbox's kind CHECK gains 'notify' (mail to staff
about their tickets).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

KINDS_BEFORE = ('ack', 'reply', 'account')
KINDS_AFTER = ('ack', 'reply', 'account', 'notify')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _outbox_kinds(values):
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_mail_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_mail_kind'), _in('kind', values))


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_assigned', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_customer_wrote', sa.Boolean(), server_default=sa.true(), nullable=False))
    _outbox_kinds(KINDS_AFTER)


def downgrade():
    op.execute("DELETE FROM outbox_mail WHERE kind = 'notify'")
    _outbox_kinds(KINDS_BEFORE)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('notify_customer_wrote')
        batch_op.drop_column('notify_assigned')
