"""Tests for mail_ingest.parse over the corpus in tests/corpus and generated mails."""

from __future__ import annotations

import dataclasses
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mail_ingest.parse import (
    MailParseError,
    ParsedAttachment,
    ParsedMail,
    address_fits,
    parse_mail,
    sha256_hex,
)

sys.path.insert(0, str(Path(__file__).parent))
from mailfactory import make_huge_mail, make_mail

CORPUS = Path(__file__).parent / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.eml"))
ACK_ID = "ack-1@helpdesk.procase.com"


def load(name: str) -> ParsedMail:
    """Parse one corpus file."""
    return parse_mail((CORPUS / name).read_bytes())


# --------------------------------------------------------------------------- table-driven

EXPECTED: dict[str, dict[str, Any]] = {
    "wrong_item_subject.eml": {
        "subject": "Wrong Item Received",
        "from_address": "alice@example.com",
        "from_name": "Alice Miller",
        "message_id": "CAF3wrong-item-1@mail.example.com",
        "n_attachments": 1,
        "text_contains": "Galaxy Tab S8",
    },
    "wrong_item_no_photo.eml": {
        "subject": "Received the wrong case",
        "from_address": "bob@example.com",
        "n_attachments": 0,
    },
    "warranty_stopped_working.eml": {
        "subject": "Keyboard case stopped working - warranty?",
        "from_address": "carol@example.com",
        "from_name": "Carol White",
        "text_contains": "stopped working",
    },
    "return_refund_request.eml": {
        "subject": "Return and refund request",
        "from_address": "dave@example.com",
        "text_contains": "123-1234567-1234567",
    },
    "shipping_where_is_my_order.eml": {
        "subject": "Where is my order?",
        "from_address": "erin@example.com",
        "text_contains": "order #123456",
    },
    "promotion_code_not_working.eml": {
        "subject": "Promo code not working",
        "from_address": "frank@example.com",
        "text_contains": "SAVE20",
    },
    "partnership_youtube_reviewer.eml": {
        "subject": "Collaboration / partnership with a YouTube tech reviewer",
        "from_address": "grace@example.com",
        "text_contains": "YouTube channel",
    },
    "general_question.eml": {
        "subject": "Question about case compatibility",
        "from_address": "heidi@example.com",
        "to": ("support@procase.com",),
    },
    "reply_by_header.eml": {
        "subject": "Re: [#1001] Wrong Item Received",
        "from_address": "alice@example.com",
        "in_reply_to": (ACK_ID,),
        "references": ("CAF3wrong-item-1@mail.example.com", ACK_ID),
    },
    "reply_by_token.eml": {
        "subject": "Re: [#1001] Wrong Item Received",
        "in_reply_to": (),
        "references": (),
    },
    "spoofed_reply.eml": {
        "from_address": "mallory@evil.example",
        "in_reply_to": (ACK_ID,),
        "references": (ACK_ID,),
    },
    "auto_reply_ooo.eml": {
        "auto_submitted": "auto-replied",
        "x_auto_response_suppress": "all",
    },
    "auto_precedence_bulk.eml": {"precedence": "bulk", "auto_submitted": None},
    "outlook_out_of_office.eml": {
        "subject": "Automatic reply: Your ProCase order 204771 has shipped",
        "from_address": "henrik.olsen@contoso-retail.dk",
        "auto_submitted": "auto-generated",
        "x_auto_response_suppress": "all",
        "in_reply_to": (),
        "text_contains": "out of the office until Monday 16 March",
    },
    "gmail_vacation_reply.eml": {
        "subject": "On vacation until March 20",
        "from_address": "priya.raman.home@gmail.com",
        "auto_submitted": "auto-replied",
        "precedence": None,
        "text_contains": "checking email only now and then",
    },
    "list_mail.eml": {
        "list_id": "accessories discussion <accessories.lists.example.org>",
        "precedence": "list",
    },
    "x_auto_response_suppress.eml": {"x_auto_response_suppress": "dr, oof, autoreply"},
    "mailer_daemon_bounce.eml": {
        "from_address": "mailer-daemon@mx.example.com",
        "return_path": "",
        "is_delivery_report": True,
        "bounced_message_ids": (ACK_ID,),
    },
    "null_sender.eml": {
        "return_path": "",
        "from_address": "postmaster@mx.example.net",
        "is_delivery_report": False,
    },
    "html_with_script.eml": {"subject": "My case broke", "text_contains": "Hello support"},
    "html_alternative.eml": {
        "cc": ("laura.work@example.com", "team@example.com"),
        "reply_to": ("laura.private@example.com",),
        "text_contains": "pack of two",
    },
    "unknown_charset.eml": {"text_contains": "Qapla'"},
    "lying_charset.eml": {"text_contains": "café"},
    "koi8r.eml": {
        "subject": "Чехол для планшета",
        "from_name": "Иван Петров",
        "text_contains": "Здравствуйте",
    },
    "iso2022jp.eml": {"subject": "注文について", "text_contains": "注文番号"},
    "gb2312.eml": {"subject": "退货申请", "text_contains": "手机壳"},
    "encoded_subject.eml": {
        "subject": "Rückgabe meiner Hülle \u2013 bitte helfen 😊",
        "from_name": "Jürgen",
    },
    "encoded_subject_newline.eml": {
        "subject": "Order problem Bcc: victim@example.com and tabs here",
    },
    "encoded_from_name.eml": {
        "from_name": "Björn Müller",
        "from_address": "bjoern.mueller@example.de",
    },
    "hostile_filenames.eml": {"from_address": "eve@example.com", "n_attachments": 8},
    # Larger than the columns they once went to (see tests/test_hostile_mail.py).
    "hostile_long_subject.eml": {"subject": " ".join(f"word{i:04d}" for i in range(198))[:989]},
    "hostile_encoded_subject.eml": {"from_name": "Jürgen", "text_contains": "A question"},
    "hostile_long_from_address.eml": {"from_address": None, "from_name": "Someone"},
    "hostile_long_message_id.eml": {"message_id": None, "from_address": "ida@example.com"},
    "broken_mime_no_boundary.eml": {"text_contains": "cracked", "n_attachments": 1},
    "broken_mime_truncated.eml": {"text_contains": "damaged case", "n_attachments": 1},
    "bad_base64.eml": {"text_contains": "my case is broken"},
    "missing_message_id.eml": {"message_id": None, "date": None, "subject": "No message id here"},
    "forwarded_fwd_prefix.eml": {"subject": "Fwd: AW: Wrong item received"},
    "german_aw_prefix.eml": {"subject": "AW: Garantie", "from_name": "Vera Schmidt"},
    "forged_dmarc_fail.eml": {
        "from_address": "accounts@example.org",
        "received_dates": (
            datetime(2026, 11, 30, 3, 12, 45, tzinfo=UTC),
            datetime(2026, 11, 30, 3, 12, 41, tzinfo=UTC),
        ),
    },
    "spam_flagged.eml": {
        "spam_flags": (
            "x-spam-flag: yes",
            "x-spam-status: yes, score=9.1 required=5.0 tests=bayes_99,html_message, "
            "rcvd_in_sbl,uribl_black autolearn=spam autolearn_force=no version=3.4.6",
        ),
    },
    "outlook_html_reply.eml": {
        "subject": "RE: [#1042] Wrong Item Received",
        "from_address": "nora.lindqvist@outlook.com",
        "in_reply_to": ("ack-1042.3f9c2a@helpdesk.procase.com",),
        "text_contains": "112-4478120-5533219",
    },
}


def test_every_corpus_file_has_expectations() -> None:
    assert sorted(EXPECTED) == [p.name for p in CORPUS_FILES]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_table(name: str) -> None:
    mail = load(name)
    assert isinstance(mail, ParsedMail)
    for key, want in EXPECTED[name].items():
        if key == "n_attachments":
            assert len(mail.attachments) == want, mail.attachments
        elif key == "text_contains":
            assert want in mail.text
        else:
            assert getattr(mail, key) == want, key


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_invariants(path: Path) -> None:
    mail = parse_mail(path.read_bytes())
    assert "\n" not in mail.subject and "\r" not in mail.subject and "\t" not in mail.subject
    assert mail.subject == mail.subject.strip()
    assert "\x00" not in mail.text
    if mail.from_address is not None:
        assert mail.from_address == mail.from_address.lower()
        assert "@" in mail.from_address
    for addr in (*mail.to, *mail.cc, *mail.reply_to):
        assert addr == addr.lower()
    if mail.date is not None:
        assert mail.date.tzinfo is not None
    for mid in (mail.message_id, *mail.in_reply_to, *mail.references):
        if mid is not None:
            assert "<" not in mid and ">" not in mid and mid.strip() == mid
    for att in mail.attachments:
        assert isinstance(att, ParsedAttachment)
        assert_safe_filename(att.filename)
        assert att.content_type == att.content_type.lower() and "/" in att.content_type
        assert isinstance(att.data, bytes)
    assert all(isinstance(d, str) for d in mail.defects)


def assert_safe_filename(name: str) -> None:
    """The filename invariants promised by ParsedAttachment."""
    assert name
    assert "/" not in name and "\\" not in name
    assert not name.startswith(".")
    assert len(name) <= 150
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    assert name not in (".", "..")


# --------------------------------------------------------------------------- specific behaviour


def test_photo_attachment() -> None:
    mail = load("wrong_item_subject.eml")
    (att,) = mail.attachments
    assert att.filename == "IMG_2041.png"
    assert att.content_type == "image/png"
    assert att.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert att.inline is False
    assert mail.html is None


def test_charset_fallbacks_are_readable() -> None:
    lying = load("lying_charset.eml")
    assert "I\u2019d like a case" in lying.text  # cp1252 0x92 -> right single quote
    assert "café" in lying.text
    assert "\ufffd" not in lying.text
    klingon = load("unknown_charset.eml")
    assert klingon.text.startswith("Hello, my case arrived broken.")


def test_unknown_charset_non_ascii_body_and_header() -> None:
    raw = (
        b"From: a@example.com\r\nSubject: =?x-unknown-foo?Q?caf=E9?=\r\n"
        b"Content-Type: text/plain; charset=x-unknown-foo\r\n\r\ncaf\xc3\xa9 and caf\xe9\r\n"
    )
    mail = parse_mail(raw)
    assert mail.subject == "café"
    assert mail.text.startswith("caf")  # mixed bytes: cp1252 with replacement, no crash


def test_lying_utf8_declared_latin1_bytes() -> None:
    raw = b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9\r\n"
    assert parse_mail(raw).text == "café\n"


def test_raw_8bit_headers() -> None:
    raw = (
        "From: Jürgen Müller <J@Example.com>\r\nSubject: Hülle kaputt\r\n\r\nx\r\n".encode()
        + b"\r\n"
    )
    mail = parse_mail(raw)
    assert mail.subject == "Hülle kaputt"
    assert mail.from_name == "Jürgen Müller"
    assert mail.from_address == "j@example.com"
    latin = b"From: a@example.com\r\nSubject: caf\xe9\r\n\r\nbody\r\n"
    assert parse_mail(latin).subject == "café"


def test_nul_and_control_bytes_in_headers() -> None:
    raw = (
        b"From: Ev\x00il <alice@example.com>\r\nSubject: hi\x00there\x1b[31m\r\n"
        b"Message-ID: <a\x00b@c>\r\nIn-Reply-To: \x00\x01\r\nDate: \x00\r\n\r\nbo\x00dy\r\n"
    )
    mail = parse_mail(raw)
    assert "\x00" not in mail.subject and "\x1b" not in mail.subject
    assert mail.subject.startswith("hi there")
    assert mail.from_address == "alice@example.com"
    assert "\x00" not in mail.from_name
    assert mail.message_id is None
    assert mail.in_reply_to == ()
    assert mail.date is None
    assert mail.text == "body\n"


def test_hostile_filenames_are_safe() -> None:
    mail = load("hostile_filenames.eml")
    names = [a.filename for a in mail.attachments]
    for name in names:
        assert_safe_filename(name)
    assert names[0] == "passwd"
    assert names[1] == "evil.exe"
    assert len(names[2]) == 150 and names[2].endswith(".pdf")
    assert names[3] == "attachment.bin"
    assert names[4] == "file.txt"
    assert names[5] == "Rechnung_März.pdf"
    assert "\u202e" not in names[6] and names[6].endswith(".exe")  # RLO spoofing removed
    assert names[7] == "attachment.png"
    # the text/plain attachment is not mistaken for the body
    assert mail.text == "see attachments\n"
    assert mail.attachments[0].data == b"root:x:0:0"


def test_rfc2047_filename_and_raw_utf8_filename() -> None:
    raw = (
        b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b'--b\r\nContent-Type: application/pdf; name="=?utf-8?B?UsOkY2hudW5nLnBkZg==?="\r\n'
        b"Content-Disposition: attachment\r\n\r\n%PDF\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="Gr\xc3\xbc\xc3\x9fe.pdf"\r\n\r\n%PDF\r\n'
        b"--b--\r\n"
    )
    names = [a.filename for a in parse_mail(raw).attachments]
    assert names == ["Rächnung.pdf", "Grüße.pdf"]


def test_html_only_gives_text_without_script() -> None:
    mail = load("html_with_script.eml")
    assert mail.html is not None and "<script" in mail.html  # raw, unsanitised
    text = mail.text
    for bad in ("alert", "stealEverything", "document.cookie", "Ignore me", "color: red", "<"):
        assert bad not in text
    assert "Hello support," in text
    assert "broke after two days & I want" in text
    assert "Order: 123-1234567-1234567\nThanks\nKim" in text


def test_html_alternative_and_inline_image() -> None:
    mail = load("html_alternative.eml")
    assert mail.text.startswith("Hi, does the tempered glass")
    assert mail.html is not None and "<i>tempered glass</i>" in mail.html
    (img,) = mail.attachments
    assert img.inline is True
    assert img.content_id == "logo123@example.com"
    assert img.filename == "attachment.png"


def test_cid_reference_marks_inline_outside_related() -> None:
    raw = make_mail(
        html='<p>see <img src="cid:pic1"></p>',
        attachments=[("pic.png", "image/png", b"\x89PNG")],
    )
    raw = raw.replace(b"Content-Disposition: attachment", b"Content-ID: <pic1>\r\nX-Dummy: 1")
    mail = parse_mail(raw)
    (att,) = mail.attachments
    assert att.content_id == "pic1"
    assert att.inline is True


def test_bounce_gives_bounced_id() -> None:
    mail = load("mailer_daemon_bounce.eml")
    assert mail.is_delivery_report is True
    assert mail.bounced_message_ids == (ACK_ID,)
    assert "User unknown" in mail.text
    assert mail.auto_submitted == "auto-replied"


def test_bounce_with_rfc822_headers_part() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\r\nReturn-Path: <>\r\nSubject: failure\r\n"
        b'Content-Type: multipart/report; report-type="Delivery-Status"; boundary=r\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: support@procase.com\r\nMessage-ID: <ack-7@helpdesk.procase.com>\r\n"
        b"--r--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.is_delivery_report
    assert mail.bounced_message_ids == ("ack-7@helpdesk.procase.com",)
    assert mail.return_path == ""


def test_encoded_newline_subject_is_one_line() -> None:
    mail = load("encoded_subject_newline.eml")
    assert "\r" not in mail.subject and "\n" not in mail.subject
    assert "  " not in mail.subject


def test_encoded_words_split_multibyte() -> None:
    # A UTF-8 character split across two adjacent encoded words must still decode.
    data = "Grüße".encode()
    first, second = data[:3], data[3:]
    import base64

    enc = [base64.b64encode(part).decode() for part in (first, second)]
    raw = (
        f"From: a@example.com\r\nSubject: =?utf-8?B?{enc[0]}?=\r\n =?utf-8?B?{enc[1]}?=\r\n"
        "\r\nx\r\n"
    ).encode()
    assert parse_mail(raw).subject == "Grüße"


def test_broken_mime_does_not_raise() -> None:
    for name in ("broken_mime_no_boundary.eml", "broken_mime_truncated.eml", "bad_base64.eml"):
        mail = load(name)
        assert mail.defects, name
    assert "NoBoundaryInMultipartDefect" in load("broken_mime_no_boundary.eml").defects
    assert "CloseBoundaryNotFoundDefect" in load("broken_mime_truncated.eml").defects
    assert any("Base64" in d for d in load("bad_base64.eml").defects)
    no_boundary = load("broken_mime_no_boundary.eml")
    assert no_boundary.attachments[0].filename == "log.txt"
    assert no_boundary.attachments[0].data.startswith(b"some log")


def test_message_id_forms() -> None:
    def mid(value: str) -> str | None:
        raw = f"From: a@example.com\r\nMessage-ID: {value}\r\n\r\nx\r\n".encode()
        return parse_mail(raw).message_id

    assert mid("<abc@example.com>") == "abc@example.com"
    assert mid("  <abc@example.com>  (comment)") == "abc@example.com"
    assert mid("abc@example.com") == "abc@example.com"
    assert mid("<>") is None
    assert mid("") is None
    assert mid("complete garbage here") is None


def test_references_parsing() -> None:
    raw = (
        b"From: a@example.com\r\nReferences: <a@x> <b@x>\r\n <a@x>\t<c@x>\r\n"
        b"In-Reply-To: <c@x> (Alice's message of Monday)\r\n\r\nx\r\n"
    )
    mail = parse_mail(raw)
    assert mail.references == ("a@x", "b@x", "c@x")
    assert mail.in_reply_to == ("c@x",)
    raw2 = b"From: a@example.com\r\nReferences: a@x b@x a@x\r\nIn-Reply-To: c@x\r\n\r\nx\r\n"
    mail2 = parse_mail(raw2)
    assert mail2.references == ("a@x", "b@x")
    assert mail2.in_reply_to == ("c@x",)


def test_dates() -> None:
    def date(value: str) -> datetime | None:
        return parse_mail(f"From: a@example.com\r\nDate: {value}\r\n\r\nx\r\n".encode()).date

    assert date("Tue, 05 Mar 2024 10:15:00 +0100") == datetime(
        2024, 3, 5, 9, 15, tzinfo=UTC
    ) and date("Tue, 05 Mar 2024 10:15:00 +0100").utcoffset() == timedelta(hours=1)
    no_zone = date("Tue, 05 Mar 2024 10:15:00")
    assert no_zone == datetime(2024, 3, 5, 10, 15, tzinfo=UTC)
    assert date("Tue, 05 Mar 2024 10:15:00 -0000") == datetime(2024, 3, 5, 10, 15, tzinfo=UTC)
    assert date("not a date") is None
    assert date("Tue, 99 Foo 99999 99:99:99 +9999") is None
    assert date("Fri, 31 Dec 9999 23:59:00 -1200") is None  # no instant in UTC: unstorable
    assert date("Fri, 31 Dec 9999 10:00:00 -1200") == datetime(9999, 12, 31, 22, 0, tzinfo=UTC)


def test_addresses() -> None:
    raw = make_mail(
        sender="Alice Miller <Alice@Example.COM>",
        to="Support <SUPPORT@procase.com>",
        headers={
            "Cc": '"Doe, John" <john@example.com>, bad-address, jane@example.com, john@example.com',
            "Reply-To": "<reply@example.com>",
        },
    )
    mail = parse_mail(raw)
    assert mail.from_address == "alice@example.com"
    assert mail.from_name == "Alice Miller"
    assert mail.to == ("support@procase.com",)
    assert mail.cc == ("john@example.com", "jane@example.com")
    assert mail.reply_to == ("reply@example.com",)


def test_null_and_unparseable_sender() -> None:
    raw = b"From: <>\r\nReturn-Path: <>\r\nSubject: x\r\n\r\nx\r\n"
    mail = parse_mail(raw)
    assert mail.from_address is None
    assert mail.return_path == ""
    raw2 = b"From: Mail Delivery Subsystem <MAILER-DAEMON>\r\nSubject: x\r\n\r\nx\r\n"
    mail2 = parse_mail(raw2)
    assert mail2.from_address is None
    assert mail2.from_name == "Mail Delivery Subsystem"
    raw3 = b"Subject: no from\r\n\r\nx\r\n"
    mail3 = parse_mail(raw3)
    assert (mail3.from_address, mail3.from_name, mail3.return_path) == (None, "", None)


def test_addresses_longer_than_rfc_5321_allows_count_as_none() -> None:
    local, domain = "l" * 64, "d" * 185 + ".com"  # 64 + 1 + 189 = 254 octets
    longest = f"{local}@{domain}"
    assert address_fits(longest) and not address_fits("x" + longest)
    assert not address_fits(f"{'l' * 65}@example.com")
    assert not address_fits(f"{'ü' * 40}@example.com")  # 80 octets before the @
    raw = (
        f"From: Long <x{longest}>\r\nReturn-Path: <x{longest}>\r\n"
        f"To: support@procase.com, x{longest}, {longest}\r\nReply-To: x{longest}\r\n"
        "Subject: long\r\n\r\nx\r\n"
    ).encode()
    mail = parse_mail(raw)
    assert (mail.from_address, mail.from_name, mail.return_path) == (None, "Long", None)
    assert mail.to == ("support@procase.com", longest) and mail.reply_to == ()
    assert "SenderAddressTooLong" in mail.defects
    assert "SenderAddressTooLong" not in parse_mail(b"From: <>\r\n\r\nx\r\n").defects


def test_message_ids_longer_than_998_bytes_count_as_absent() -> None:
    def ids(value: str) -> tuple[str | None, tuple[str, ...]]:
        raw = f"From: a@example.com\r\nMessage-ID: {value}\r\nReferences: {value}\r\n\r\nx"
        mail = parse_mail(raw.encode())
        return mail.message_id, mail.references

    fits = "i" * 986 + "@example.com"  # 998
    assert ids(f"<{fits}>") == (fits, (fits,))
    assert ids(f"<i{fits}>") == (None, ())
    assert ids(f"<{'漢' * 333}@x>") == (None, ())  # 333 characters, 1,001 bytes


def test_dates_beyond_what_utc_can_hold_count_as_absent() -> None:
    def date(value: str) -> datetime | None:
        return parse_mail(f"From: a@example.com\r\nDate: {value}\r\n\r\nx\r\n".encode()).date

    assert date("Fri, 31 Dec 9999 23:00:00 -1000") is None
    assert date("Fri, 31 Dec 9999 23:00:00 +1000") == datetime(9999, 12, 31, 13, tzinfo=UTC)


def test_mailfactory_roundtrip() -> None:
    raw = make_mail(
        subject="Grüße [#1001]",
        sender=("Zoë", "zoe@example.com"),
        body="Hallo\nWelt\n",
        message_id="m1@example.com",
        in_reply_to="ack-1@helpdesk.procase.com",
        references=["<x@y>", "ack-1@helpdesk.procase.com"],
        headers={"Auto-Submitted": "auto-replied"},
        attachments=[
            ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0JFIF"),
            ("a.txt", "text/plain", b"hi"),
        ],
        html="<p>Hallo</p>",
    )
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    mail = parse_mail(raw)
    assert mail.subject == "Grüße [#1001]"
    assert (mail.from_name, mail.from_address) == ("Zoë", "zoe@example.com")
    assert mail.message_id == "m1@example.com"
    assert mail.in_reply_to == (ACK_ID,)
    assert mail.references == ("x@y", ACK_ID)
    assert mail.auto_submitted == "auto-replied"
    assert mail.text == "Hallo\nWelt\n"
    assert mail.html is not None and "<p>Hallo</p>" in mail.html
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("photo.jpg", "image/jpeg"),
        ("a.txt", "text/plain"),
    ]
    assert mail.attachments[0].data == b"\xff\xd8\xff\xe0JFIF"
    assert mail.attachments[1].data.strip() == b"hi"
    # unique message ids by default
    assert parse_mail(make_mail()).message_id != parse_mail(make_mail()).message_id


def test_huge_mail() -> None:
    raw = make_huge_mail(5_000_000, subject="Big photo")
    assert len(raw) >= 5_000_000
    mail = parse_mail(raw)
    assert mail.subject == "Big photo"
    (att,) = mail.attachments
    assert len(att.data) >= 3_700_000


def test_sha256_hex() -> None:
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert len(sha256_hex(b"abc")) == 64


def test_parsed_mail_is_frozen() -> None:
    mail = load("general_question.eml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mail.subject = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- errors & fuzzing


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n\r\n  ",
        b"\x00" * 100,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        bytes(random.Random(1).randrange(256) for _ in range(4096)),
        b"just some text\nwithout any headers at all\n",
        b"\r\n\r\nFrom: a@example.com\r\n",  # blank line first: everything is body
    ],
)
def test_garbage_raises(raw: bytes) -> None:
    if raw.startswith(b"\r\n\r\nFrom"):
        # leading blank lines are tolerated (stripped), so this one parses
        assert parse_mail(raw).from_address == "a@example.com"
        return
    with pytest.raises(MailParseError):
        parse_mail(raw)


def test_non_bytes_input_raises() -> None:
    with pytest.raises(MailParseError):
        parse_mail("From: a@example.com\r\n\r\nx")  # type: ignore[arg-type]
    with pytest.raises(MailParseError):
        parse_mail(None)  # type: ignore[arg-type]


def _parse_or_error(raw: bytes) -> None:
    try:
        result = parse_mail(raw)
    except MailParseError as exc:
        assert str(exc)
        return
    assert isinstance(result, ParsedMail)
    for att in result.attachments:
        assert_safe_filename(att.filename)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_fuzz_truncation(path: Path) -> None:
    raw = path.read_bytes()
    step = max(1, len(raw) // 150)
    for cut in range(0, len(raw), step):
        _parse_or_error(raw[:cut])


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_fuzz_byte_flips(path: Path) -> None:
    rng = random.Random(f"flip-{path.name}")
    raw = path.read_bytes()
    interesting = b"\x00\r\n\t =?<>\"';:-\\/\x80\xff"
    for _ in range(120):
        data = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(data))
            data[pos] = rng.choice(interesting) if rng.random() < 0.5 else rng.randrange(256)
        _parse_or_error(bytes(data))


def test_fuzz_structural() -> None:
    deep = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for i in range(1, 300):
        deep += f"--b{i - 1}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n".encode()
    _parse_or_error(deep)
    many = make_mail(
        attachments=[(f"f{i}.bin", "application/octet-stream", b"x") for i in range(300)]
    )
    assert len(parse_mail(many).attachments) == 300
    for raw in (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=zlib\r\n\r\n\x78\x9c",
        b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\xff",
        b'From: a@example.com\r\nContent-Type: text/plain; charset=""\r\n\r\nhi',
        b"From: a@example.com\r\nContent-Type: text/plain; charset*=x''%ff\r\n\r\nhi",
        b"From: a@example.com\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n",
        b"From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@example.com\r\n",
        b"From: a@example.com\r\nSubject: =?utf-8?B?!!!?= =?bogus?Q?=ZZ?=\r\n\r\nx",
        b"From: =?utf-8?B?IjxldmlsPiI=?= <a@example.com>, , ,\r\nTo: ;;;,<<>>@@\r\n\r\n",
        b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n<![bogus[ x ]]><!-- <p>",
    ):
        _parse_or_error(raw)
