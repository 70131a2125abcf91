"""The store's starting set of reply templates: one for every answer in its FAQ.

Bodies are Jinja (sandboxed, plain text). Variables: customer_name, ticket_number,
order_number, agent_name, store_name, and from the latest policy verdict decision,
refund_amount, restocking_fee, return_shipping_paid_by, deadline, refund_expected_by,
missing and reasons (empty when there is no verdict; `reasons` are the verdict's words for
agents, so no default template puts them in a customer's mail). Migration 0003 holds a
frozen copy of the seeded texts and 0012 the rewording since; a change of wording needs a
new migration updating the templates still equal to the old text (as 0012 does).
"""

from __future__ import annotations

HELLO = "Hello {{ customer_name or 'there' }},\n\n"
SIGN = "\n\nBest regards,\n{{ agent_name }}\n{{ store_name }} Support\n"

# (key, name, category or None for any, body)
DEFAULT_TEMPLATES: tuple[tuple[str, str, str | None, str], ...] = (
    (
        "general",
        "General answer",
        "general",
        HELLO + "Thank you for contacting {{ store_name }} support.\n\n\n\n"
        "If you have any other questions, simply reply to this email and keep "
        "[#{{ ticket_number }}] in the subject." + SIGN,
    ),
    (
        "needs_information",
        "We need more information",
        None,
        HELLO + "Thank you for contacting {{ store_name }} support. So that we can help you, "
        "please reply with {% if missing %}the following: {{ missing }}"
        "{% else %}your order ID, the product name and a short description of the "
        "problem{% endif %}.\n\n"
        "Please keep [#{{ ticket_number }}] in the subject of your reply." + SIGN,
    ),
    (
        "no_local_store",
        "No local store",
        "general",
        HELLO + "Thank you for your interest in {{ store_name }}. We do not have local "
        "stores: {{ store_name }} is an online store. We make and sell our own brand "
        "products on our website and on major marketplaces such as Amazon.com." + SIGN,
    ),
    (
        "shipping_times",
        "Shipping times and cost",
        "shipping",
        HELLO + "Thank you for your order{% if order_number %} {{ order_number }}"
        "{% endif %}. Standard shipping within the US is free and takes 5-10 working "
        "days; orders ship with DHL or USPS. We know you want your device protected "
        "soon, and we do our best to get every order delivered as quickly as "
        "possible." + SIGN,
    ),
    (
        "tracking",
        "Tracking an order",
        "shipping",
        HELLO + "When your order{% if order_number %} {{ order_number }}{% endif %} ships, "
        "you receive a confirmation email with its tracking number. Please check your "
        "spam folder if you cannot find it. Standard shipping within the US takes "
        "5-10 working days." + SIGN,
    ),
    (
        "no_expedite",
        "We cannot expedite",
        "shipping",
        HELLO + "We are sorry, but we are not able to expedite or overnight orders: all "
        "orders ship by standard DHL or USPS shipping (5-10 working days in the US).\n\n"
        "If you need your order sooner, our Amazon store offers a choice of faster "
        "shipping options; you find the link to it on each product page." + SIGN,
    ),
    (
        "international",
        "International orders",
        "shipping",
        HELLO + "Our website ships to US addresses only (free standard shipping). To "
        "have an order shipped to another country, please order from our Amazon store; "
        "you find the link to it on each product page." + SIGN,
    ),
    (
        "late_delivery",
        "Late order: carrier trace opened",
        "shipping",
        HELLO + "We are sorry your order{% if order_number %} {{ order_number }}{% endif %} "
        "has not arrived yet. It is taking longer than our usual 5-10 working days, so "
        "we have asked the carrier to trace the parcel. We will write to you as soon as "
        "we hear back." + SIGN,
    ),
    (
        "warranty_information_needed",
        "Warranty: information needed",
        "warranty",
        HELLO + "We are sorry to hear about the problem with your product. To start your "
        "warranty claim, please reply with {% if missing %}the following: {{ missing }}"
        "{% else %}your order ID, the product name and a description of the problem "
        "(a photo helps){% endif %}. We will help you with the rest." + SIGN,
    ),
    (
        "warranty_covered",
        "Warranty: covered, replacement",
        "warranty",
        HELLO + "Thank you for the details. Your product is covered by our warranty"
        "{% if deadline %} (covered until {{ deadline }}){% endif %}, so we will send you "
        "a replacement at no cost to you. You will receive an email with the tracking "
        "number when it ships." + SIGN,
    ),
    (
        "warranty_not_covered",
        "Warranty: not covered",
        "warranty",
        HELLO + "Thank you for the details. We are sorry, but this claim is not covered "
        "by our warranty. Our warranty covers most products for three months and "
        "electronic products for one year from the delivery date. It does not cover "
        "items bought from unauthorized resellers, or damage caused by misuse, "
        "accident or other improper use." + SIGN,
    ),
    (
        "return_start",
        "How to start a return or exchange",
        "return",
        HELLO + "Products bought on our website are covered by our 30-day money back "
        "guarantee. To start a return or exchange, please reply with {% if missing %}"
        "the following: {{ missing }}{% else %}your order ID, the product name and the "
        "reason for the return{% endif %}, and we will help you with the rest." + SIGN,
    ),
    (
        "return_eligible_refund",
        "Return: eligible, refund amount",
        "return",
        HELLO + "Good news: your return is covered by our 30-day money back guarantee. "
        "{% if return_shipping_paid_by == 'store' %}Please send the item back to us with "
        "the prepaid return label we will send you: the return shipping is on us."
        "{% elif return_shipping_paid_by == 'customer' %}Please send the item back to us, "
        "new, unopened and in sellable condition, with the return label we will send you. "
        "There is nothing to pay now: the label's cost is deducted from your refund."
        "{% else %}Please send the item back to us.{% endif %}\n\n"
        "When we receive it, we will refund "
        "{% if refund_amount %}${{ refund_amount }}{% else %}your purchase{% endif %}"
        "{% if restocking_fee %}: the purchase price less the 15% restocking fee of "
        "${{ restocking_fee }}{% if return_shipping_paid_by == 'customer' %} and the "
        "cost of the return label{% endif %}{% elif return_shipping_paid_by == 'store' %}"
        ", the full purchase price{% endif %}. Once the refund is issued, the "
        "credit takes about 5-7 business days to show on your account"
        "{% if refund_expected_by %} (by {{ refund_expected_by }}){% endif %}." + SIGN,
    ),
    (
        "return_not_eligible",
        "Return: not eligible",
        "return",
        HELLO + "We are sorry, but this return is not eligible for our 30-day money back "
        "guarantee. The guarantee covers products bought on our website, returned within 30 days "
        "of purchase in new, unopened and sellable condition.\n\n"
        "If the item is defective, it may still be covered by our warranty (three "
        "months from delivery, one year for electronic products): reply with a "
        "description of the problem and we will help." + SIGN,
    ),
    (
        "return_refer_amazon",
        "Return: bought on Amazon",
        "return",
        HELLO + "Thank you for your message. Your order was placed on Amazon, so its "
        "return is handled by Amazon: please start it from Your Orders in your Amazon "
        "account, where you can choose the item and the reason for the return.\n\n"
        "If the product is defective, it is still covered by our warranty: reply with "
        "your order ID and a description of the problem." + SIGN,
    ),
    (
        "exchange_steps",
        "Exchange: how it works",
        "return",
        HELLO + "We are happy to exchange your item for the right one. Please send it "
        "back to us{% if return_shipping_paid_by == 'store' %}; we cover the return "
        "shipping and will send you a prepaid label{% else %} in new, unopened and "
        "sellable condition; the return shipping is at your cost{% endif %}. As soon as "
        "it arrives we will ship the correct item to you, and you will receive an email "
        "with its tracking number." + SIGN,
    ),
    (
        "exchange_not_eligible",
        "Exchange: not eligible",
        "return",
        HELLO + "We are sorry, but we cannot exchange this item. Exchanges are possible "
        "for products bought on our website within 30 days of purchase, in new, "
        "unopened and sellable condition." + SIGN,
    ),
    (
        "refund_timing",
        "Refund timing",
        "return",
        HELLO + "Your refund has been issued. Please allow about 5-7 business days for "
        "the credit to show on your account{% if refund_expected_by %} (by "
        "{{ refund_expected_by }}){% endif %}. If you do not see it by then, please "
        "check with your bank or card issuer." + SIGN,
    ),
    (
        "wrong_item_photo_request",
        "Wrong item: photo request",
        "wrong_item",
        HELLO + "We sincerely apologize for sending the wrong item. So that we can send "
        "you the correct one as soon as possible, please reply with a photo of the item "
        'you received (with "Wrong Item Received" in the subject).' + SIGN,
    ),
    (
        "wrong_item_replacement",
        "Wrong item: replacement",
        "wrong_item",
        HELLO + "Thank you for the photo, and we sincerely apologize for the mix-up. We "
        "are sending the correct item to you as soon as we can, at no cost to you; you "
        "will receive an email with the tracking number when it ships." + SIGN,
    ),
    (
        "wrong_item_refund",
        "Wrong item: refund",
        "wrong_item",
        HELLO + "We sincerely apologize for the mix-up. For a full refund, please send "
        "all the wrong items (or the entire order) back to us; we cover the return "
        "shipping. If you keep some items and return the rest, we refund the returned "
        "items{% if refund_amount %} (${{ refund_amount }}){% endif %}. The credit takes "
        "about 5-7 business days to show on your account after the refund is issued." + SIGN,
    ),
    (
        "promo_code",
        "Promo code",
        "promotion",
        HELLO + "Only one promotional code can be used per order. Please enter it in the "
        "code box on the right side of the checkout page, before you check out.\n\n"
        "If the code does not work, please clear your browser cache or try another web "
        "browser. If it still fails, reply with the code and we will do our best to "
        "help." + SIGN,
    ),
    (
        "discounts",
        "Discounts and VIP club",
        "promotion",
        HELLO + "We offer different discounts through the seasons. To get the latest "
        "offers, join our VIP club on our website, or follow us on Facebook, Instagram "
        "and Twitter." + SIGN,
    ),
    (
        "reviewer_program",
        "Reviewers and influencers",
        "partnership",
        HELLO + "Thank you for your interest in teaming up with {{ store_name }}. If you "
        "would like to review our products (blog, YouTube and more), please join our "
        "influencer program on our website." + SIGN,
    ),
)
