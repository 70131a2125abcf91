"""What a person reads for the policy's keys (decisions, reasons, channels, ...).

Pure like the rest of the policy: helpdesk/labels.py gathers these with the other
vocabularies, and the rules use them to write the verdict's reasons in plain words.
"""

from __future__ import annotations

DECISION_LABELS = {
    "refund": "Refund",
    "exchange": "Exchange",
    "replacement": "Send a replacement",
    "not_eligible": "Not eligible",
    "refer_to_amazon": "Refer to Amazon",
    "request_photo": "Ask for a photo",
    "needs_information": "Needs information",
}
REQUEST_LABELS = {
    "return": "Return for a refund",
    "exchange": "Exchange",
    "warranty": "Warranty claim",
    "wrong_item": "Wrong item received",
}
# A reason's label also starts the verdict's sentences ("Changed their mind is not a
# quality problem, so ..."), so each reads as the subject of a sentence.
REASON_LABELS = {
    "defective": "Defective",
    "missing_item": "Missing item",
    "wrong_item": "Wrong item sent",
    "our_error": "Our error",
    "changed_mind": "Changed their mind",
    "wrong_model": "Ordered the wrong model",
    "accidental_order": "Ordered by accident",
    "wrong_address": "Wrong address",
    "misuse": "Misuse",
    "accident": "Accident",
}
CHANNEL_LABELS = {
    "procase.com": "Our website (procase.com)",
    "amazon": "Amazon",
    "unauthorized_reseller": "Unauthorized reseller",
}
PRODUCT_TYPE_LABELS = {
    "standard": "Standard product",
    "electronic": "Electronic product",
}
# "the 1-year warranty for an electronic product"
PRODUCT_TYPE_PHRASES = {
    "standard": "a standard product",
    "electronic": "an electronic product",
}
CONDITION_LABELS = {
    "new_unopened": "New and unopened",
    "opened": "Opened",
    "damaged": "Damaged",
}
PAYERS = ("store", "customer")
PAYER_LABELS = {
    "store": "The store",
    "customer": "The customer",
}
