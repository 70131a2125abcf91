"""outbox mail: Cc and Bcc

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 17:00:00.000000

Reviewed by hand. outbox_mail.cc and outbox_mail.bcc: comma-separated addresses the mail
also goes to (Cc in the header, Bcc only in the envelope); empty for existing rows. Files
sent with a mail are the Attachment rows of its message (outbox_mail.message_pk), so they
need no column here.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('outbox_mail', sa.Column('cc', sa.Text(), nullable=False, server_default=''))
    op.add_column('outbox_mail', sa.Column('bcc', sa.Text(), nullable=False, server_default=''))


def downgrade():
    op.execute("ALTER TABLE outbox_mail DROP COLUMN bcc")
    op.execute("ALTER TABLE outbox_mail DROP COLUMN cc")
