"""first contact: the day the customer wrote, on each ticket

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 22:00:00.000000

Reviewed by hand. ticket.first_contact_at is the plausible Date of the mail that
opened the ticket (else when it was read), the store policy's request date. Existing
tickets get their created_at, which is what the policy used until now: no window moves.
The column is added nullable, filled, then made NOT NULL (SQLite rebuilds the table in
batch mode; PostgreSQL alters it in place).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE ticket SET first_contact_at = created_at WHERE first_contact_at IS NULL")
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.alter_column(
            'first_contact_at', existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('first_contact_at')
