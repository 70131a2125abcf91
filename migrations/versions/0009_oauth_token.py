"""mailbox_oauth: the mailbox's OAuth 2.0 connection (refresh token encrypted, health)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 22:00:00.000000

Reviewed by hand. One row per mailbox account that logs in with OAuth 2.0. The refresh
token is stored only as Fernet ciphertext (HELPDESK_ENCRYPTION_KEY); access tokens are
never stored.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailbox_oauth',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=320), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('refresh_token_encrypted', sa.Text(), nullable=True),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reconnect_needed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_oauth')),
    sa.UniqueConstraint('account', name=op.f('uq_mailbox_oauth_account'))
    )


def downgrade():
    op.drop_table('mailbox_oauth')
