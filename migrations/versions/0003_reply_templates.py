"""reply templates: the store's starting set

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:00:00.000000

Data only: one reply template for every answer in the store's FAQ, frozen here as
of this revision (the app's copy is helpdesk/replies/defaults.py). Keys already
present (added by `helpdesk seed` before this ran) are left alone.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# (key, name, category or None for any, body)
TEMPLATES = [
    ('general', 'General answer', 'general',
     "Hello {{ customer_name or 'there' }},\n\nThank you for contacting {{ store_name }} support.\n\n\n\nIf you have any other questions, simply reply to this email and keep [#{{ ticket_number }}] in the subject.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('needs_information', 'We need more information', None,
     "Hello {{ customer_name or 'there' }},\n\nThank you for contacting {{ store_name }} support. So that we can help you, please reply with {% if missing %}the following: {{ missing }}{% else %}your order ID, the product name and a short description of the problem{% endif %}.\n\nPlease keep [#{{ ticket_number }}] in the subject of your reply.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('no_local_store', 'No local store', 'general',
     "Hello {{ customer_name or 'there' }},\n\nThank you for your interest in {{ store_name }}. We do not have local stores: {{ store_name }} is an online store. We make and sell our own brand products on our website and on major marketplaces such as Amazon.com.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('shipping_times', 'Shipping times and cost', 'shipping',
     "Hello {{ customer_name or 'there' }},\n\nThank you for your order{% if order_number %} {{ order_number }}{% endif %}. Standard shipping within the US is free and takes 5-10 working days; orders ship with DHL or USPS. We know you want your device protected soon, and we do our best to get every order delivered as quickly as possible.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('tracking', 'Tracking an order', 'shipping',
     "Hello {{ customer_name or 'there' }},\n\nWhen your order{% if order_number %} {{ order_number }}{% endif %} ships, you receive a confirmation email with its tracking number. Please check your spam folder if you cannot find it. Standard shipping within the US takes 5-10 working days.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('no_expedite', 'We cannot expedite', 'shipping',
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry, but we are not able to expedite or overnight orders: all orders ship by standard DHL or USPS shipping (5-10 working days in the US).\n\nIf you need your order sooner, our Amazon store offers a choice of faster shipping options; you find the link to it on each product page.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('international', 'International orders', 'shipping',
     "Hello {{ customer_name or 'there' }},\n\nOur website ships to US addresses only (free standard shipping). To have an order shipped to another country, please order from our Amazon store; you find the link to it on each product page.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('late_delivery', 'Late order: carrier trace opened', 'shipping',
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry your order{% if order_number %} {{ order_number }}{% endif %} has not arrived yet. It is taking longer than our usual 5-10 working days, so we have asked the carrier to trace the parcel. We will write to you as soon as we hear back.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('warranty_information_needed', 'Warranty: information needed', 'warranty',
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry to hear about the problem with your product. To start your warranty claim, please reply with {% if missing %}the following: {{ missing }}{% else %}your order ID, the product name and a description of the problem (a photo helps){% endif %}. We will help you with the rest.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('warranty_covered', 'Warranty: covered, replacement', 'warranty',
     "Hello {{ customer_name or 'there' }},\n\nThank you for the details. Your product is covered by our warranty{% if deadline %} (covered until {{ deadline }}){% endif %}, so we will send you a replacement at no cost to you. You will receive an email with the tracking number when it ships.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('warranty_not_covered', 'Warranty: not covered', 'warranty',
     "Hello {{ customer_name or 'there' }},\n\nThank you for the details. We are sorry, but this claim is not covered by our warranty{% if reasons %}:\n\n{{ reasons }}\n\n{% else %}. {% endif %}Our warranty covers most products for three months and electronic products for one year from the delivery date. It does not cover items bought from unauthorized resellers, or damage caused by misuse, accident or other improper use.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('return_start', 'How to start a return or exchange', 'return',
     "Hello {{ customer_name or 'there' }},\n\nProducts bought on our website are covered by our 30-day money back guarantee. To start a return or exchange, please reply with {% if missing %}the following: {{ missing }}{% else %}your order ID, the product name and the reason for the return{% endif %}, and we will help you with the rest.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('return_eligible_refund', 'Return: eligible, refund amount', 'return',
     "Hello {{ customer_name or 'there' }},\n\nGood news: your return is covered by our 30-day money back guarantee. Please send the item back to us{% if return_shipping_paid_by == 'store' %}; we cover the return shipping and will send you a prepaid label{% elif return_shipping_paid_by == 'customer' %} at your own cost{% endif %}.\n\nWhen we receive it, we will refund {% if refund_amount %}${{ refund_amount }}{% else %}your purchase{% endif %}{% if restocking_fee %} (the purchase price less the 15% restocking fee of ${{ restocking_fee }}{% if return_shipping_paid_by == 'customer' %} and the return shipping cost{% endif %}){% endif %}. Once the refund is issued, the credit takes about 5-7 business days to show on your account{% if refund_expected_by %} (by {{ refund_expected_by }}){% endif %}.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('return_not_eligible', 'Return: not eligible', 'return',
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry, but this return is not eligible for our 30-day money back guarantee{% if reasons %}:\n\n{{ reasons }}\n\n{% else %}. {% endif %}The guarantee covers products bought on our website, returned within 30 days of purchase in new, unopened and sellable condition.\n\nIf the item is defective, it may still be covered by our warranty (three months from delivery, one year for electronic products): reply with a description of the problem and we will help.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('return_refer_amazon', 'Return: bought on Amazon', 'return',
     "Hello {{ customer_name or 'there' }},\n\nThank you for your message. Your order was placed on Amazon, so its return is handled by Amazon: please start it from Your Orders in your Amazon account, where you can choose the item and the reason for the return.\n\nIf the product is defective, it is still covered by our warranty: reply with your order ID and a description of the problem.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('exchange_steps', 'Exchange: how it works', 'return',
     "Hello {{ customer_name or 'there' }},\n\nWe are happy to exchange your item for the right one. Please send it back to us{% if return_shipping_paid_by == 'store' %}; we cover the return shipping and will send you a prepaid label{% else %} in new, unopened and sellable condition; the return shipping is at your cost{% endif %}. As soon as it arrives we will ship the correct item to you, and you will receive an email with its tracking number.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('exchange_not_eligible', 'Exchange: not eligible', 'return',
     "Hello {{ customer_name or 'there' }},\n\nWe are sorry, but we cannot exchange this item{% if reasons %}:\n\n{{ reasons }}\n\n{% else %}. {% endif %}Exchanges are possible for products bought on our website within 30 days of purchase, in new, unopened and sellable condition.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('refund_timing', 'Refund timing', 'return',
     "Hello {{ customer_name or 'there' }},\n\nYour refund has been issued. Please allow about 5-7 business days for the credit to show on your account{% if refund_expected_by %} (by {{ refund_expected_by }}){% endif %}. If you do not see it by then, please check with your bank or card issuer.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('wrong_item_photo_request', 'Wrong item: photo request', 'wrong_item',
     'Hello {{ customer_name or \'there\' }},\n\nWe sincerely apologize for sending the wrong item. So that we can send you the correct one as soon as possible, please reply with a photo of the item you received (with "Wrong Item Received" in the subject).\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n'),
    ('wrong_item_replacement', 'Wrong item: replacement', 'wrong_item',
     "Hello {{ customer_name or 'there' }},\n\nThank you for the photo, and we sincerely apologize for the mix-up. We are sending the correct item to you as soon as we can, at no cost to you; you will receive an email with the tracking number when it ships.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('wrong_item_refund', 'Wrong item: refund', 'wrong_item',
     "Hello {{ customer_name or 'there' }},\n\nWe sincerely apologize for the mix-up. For a full refund, please send all the wrong items (or the entire order) back to us; we cover the return shipping. If you keep some items and return the rest, we refund the returned items{% if refund_amount %} (${{ refund_amount }}){% endif %}. The credit takes about 5-7 business days to show on your account after the refund is issued.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('promo_code', 'Promo code', 'promotion',
     "Hello {{ customer_name or 'there' }},\n\nOnly one promotional code can be used per order. Please enter it in the code box on the right side of the checkout page, before you check out.\n\nIf the code does not work, please clear your browser cache or try another web browser. If it still fails, reply with the code and we will do our best to help.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('discounts', 'Discounts and VIP club', 'promotion',
     "Hello {{ customer_name or 'there' }},\n\nWe offer different discounts through the seasons. To get the latest offers, join our VIP club on our website, or follow us on Facebook, Instagram and Twitter.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
    ('reviewer_program', 'Reviewers and influencers', 'partnership',
     "Hello {{ customer_name or 'there' }},\n\nThank you for your interest in teaming up with {{ store_name }}. If you would like to review our products (blog, YouTube and more), please join our influencer program on our website.\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"),
]

reply_template = sa.table(
    "reply_template",
    sa.column("key", sa.String), sa.column("name", sa.String), sa.column("category", sa.String),
    sa.column("body", sa.Text), sa.column("position", sa.Integer),
    sa.column("active", sa.Boolean), sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade():
    present = set(op.get_bind().execute(sa.select(reply_template.c.key)).scalars())
    now = datetime.now(timezone.utc)
    op.bulk_insert(reply_template, [
        {"key": key, "name": name, "category": category, "body": body,
         "position": i * 10, "active": True, "updated_at": now}
        for i, (key, name, category, body) in enumerate(TEMPLATES, start=1)
        if key not in present
    ])


def downgrade():
    op.execute(reply_template.delete().where(
        reply_template.c.key.in_([key for key, _, _, _ in TEMPLATES])
    ))
