"""reply templates: customer mail in plain words (issue 13)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 14:30:00.000000

Data only. The not-eligible and not-covered templates no longer copy the verdict's
internal reasons into the email, and "Return: eligible" says what the verdict says about
the return label (the store's prepaid label, or its cost deducted from the refund, never
"at your own cost" as well). A stored template is updated only while its body is still
the text 0003 seeded; one an admin edited is left as it is. Downgrade puts back the old
text where the body is still this revision's.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# (key, body as seeded by 0003, body from this revision)
CHANGES = [
    ('warranty_not_covered',
     "Hello {{ customer_name or 'there' }},\n\nThank you for the details. We are sorry, but this claim is not covered by our warranty{% if reasons %}:\n\n{{ reasons }}\n\n{% else %}. {% endif %}Our warranty covers most products for three months and electronic products for one year from the delivery date. It does not cover items bought from unauthorized resellers, or damage caused by misuse, accident or other improper use.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n",
     "Hello {{ customer_name or 'there' }},\n\nThank you for the details. We are sorry, but this claim is not covered by our warranty. Our warranty covers most products for three months and electronic products for one year from the delivery date. It does not cover items bought from unauthorized resellers, or damage caused by misuse, accident or other improper use.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('return_eligible_refund',
     "Hello {{ customer_name or 'there' }},\n\nGood news: your return is covered by our 30-day money back guarantee. Please send the item back to us{% if return_shipping_paid_by == 'store' %}; we cover the return shipping and will send you a prepaid label{% elif return_shipping_paid_by == 'customer' %} at your own cost{% endif %}.\n\nWhen we receive it, we will refund {% if refund_amount %}${{ refund_amount }}{% else %}your purchase{% endif %}{% if restocking_fee %} (the purchase price less the 15% restocking fee of ${{ restocking_fee }}{% if return_shipping_paid_by == 'customer' %} and the return shipping cost{% endif %}){% endif %}. Once the refund is issued, the credit takes about 5-7 business days to show on your account{% if refund_expected_by %} (by {{ refund_expected_by }}){% endif %}.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n",
     "Hello {{ customer_name or 'there' }},\n\nGood news: your return is covered by our 30-day money back guarantee. {% if return_shipping_paid_by == 'store' %}Please send the item back to us with the prepaid return label we will send you: the return shipping is on us.{% elif return_shipping_paid_by == 'customer' %}Please send the item back to us, new, unopened and in sellable condition, with the return label we will send you. There is nothing to pay now: the label's cost is deducted from your refund.{% else %}Please send the item back to us.{% endif %}\n\nWhen we receive it, we will refund {% if refund_amount %}${{ refund_amount }}{% else %}your purchase{% endif %}{% if restocking_fee %}: the purchase price less the 15% restocking fee of ${{ restocking_fee }}{% if return_shipping_paid_by == 'customer' %} and the cost of the return label{% endif %}{% elif return_shipping_paid_by == 'store' %}, the full purchase price{% endif %}. Once the refund is issued, the credit takes about 5-7 business days to show on your account{% if refund_expected_by %} (by {{ refund_expected_by }}){% endif %}.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('return_not_eligible',
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry, but this return is not eligible for our 30-day money back guarantee{% if reasons %}:\n\n{{ reasons }}\n\n{% else %}. {% endif %}The guarantee covers products bought on our website, returned within 30 days of purchase in new, unopened and sellable condition.\n\nIf the item is defective, it may still be covered by our warranty (three months from delivery, one year for electronic products): reply with a description of the problem and we will help.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n",
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry, but this return is not eligible for our 30-day money back guarantee. The guarantee covers products bought on our website, returned within 30 days of purchase in new, unopened and sellable condition.\n\nIf the item is defective, it may still be covered by our warranty (three months from delivery, one year for electronic products): reply with a description of the problem and we will help.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('exchange_not_eligible',
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry, but we cannot exchange this item{% if reasons %}:\n\n{{ reasons }}\n\n{% else %}. {% endif %}Exchanges are possible for products bought on our website within 30 days of purchase, in new, unopened and sellable condition.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n",
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry, but we cannot exchange this item. Exchanges are possible for products bought on our website within 30 days of purchase, in new, unopened and sellable condition.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
]

reply_template = sa.table(
    "reply_template",
    sa.column("key", sa.String), sa.column("body", sa.Text),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _replace(pairs):
    now = datetime.now(timezone.utc)
    for key, before, after in pairs:
        op.execute(
            reply_template.update()
            .where(reply_template.c.key == key, reply_template.c.body == before)
            .values(body=after, updated_at=now)
        )


def upgrade():
    _replace((key, old, new) for key, old, new in CHANGES)


def downgrade():
    _replace((key, new, old) for key, old, new in CHANGES)
