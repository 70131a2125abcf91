"""what mail says, whole: subjects and names as text without a length limit

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 22:30:00.000000

Reviewed by hand. Anyone can send a mail, so anything a mail says that we store is
either stored whole or cut at a stated length with the raw mail kept:

- ticket.subject (was varchar 500), message.subject (998), message.sender_name (200)
  and customer.name (200) become text: stored whole as the mail gave them. None of them
  is indexed by btree (the PostgreSQL full-text index on message subjects and texts is an
  expression index and works on text the same).
- Kept, with their bounds applied at ingest: addresses (254, RFC 5321: a longer one counts
  as no address), Message-IDs (998 UTF-8 bytes, a longer one counts as absent: they are
  indexed), content_key (a longer Message-ID key is a hash), attachment filename (150),
  content_type (200) and content_id (300), cut; outbox subjects are ours (250).

PostgreSQL: varchar to text is a catalogue change (no table rewrite). Downgrading cuts the
values to the old lengths. SQLite: batch mode rebuilds the tables (SQLite enforces no
length, so only the declared type changes); foreign keys are checked once the tables are
rebuilt, see migrations/env.py.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# (table, column, the old length)
COLUMNS = (
    ('customer', 'name', 200),
    ('ticket', 'subject', 500),
    ('message', 'sender_name', 200),
    ('message', 'subject', 998),
)


def upgrade():
    for table, column, length in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=length),
                type_=sa.Text(),
                existing_nullable=False,
            )


def downgrade():
    for table, column, length in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.String(length=length),
                existing_nullable=False,
                postgresql_using=f'left("{column}", {length})',
            )
