"""Pure tests: mail HTML sanitizing, quoted-text splitting, image sniffing, sizes."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from helpdesk.tickets.files import human_size, image_type
from helpdesk.tickets.quotes import MAX_SIGNATURE_LINES, split_quoted, split_signature
from helpdesk.tickets.sanitize import SIGNATURE_SUMMARY, SUMMARY, clean_mail_html
from mail_ingest.parse import parse_mail

CORPUS = Path(__file__).parent / "corpus"


def corpus_html(name: str) -> str:
    mail = message_from_bytes((CORPUS / name).read_bytes(), policy=policy.default)
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_corpus_mail_loses_script_style_handlers_and_javascript_links() -> None:
    clean = clean_mail_html(corpus_html("html_with_script.eml")).markup
    lowered = clean.lower()
    for bad in ("<script", "alert", "stealeverything", "<style", "color: red", "onerror",
                "javascript:", "ignore me", "tracker.example.com"):  # fmt: skip
        assert bad not in lowered, bad
    assert "<b>broke</b>" in clean and "Order: 123-1234567-1234567" in clean
    assert "click me" in clean  # the link text stays, without its href


@pytest.mark.parametrize(
    "markup",
    [
        '<iframe src="https://evil.example/"></iframe>',
        '<form action="https://evil.example/"><input name="password"></form>',
        '<div onclick="steal()" onmouseover="x()">hi</div>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="  javascript:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<svg><script>alert(1)</script></svg>",
        '<p style="background:url(https://evil.example/)">x</p>',
        '<object data="x.swf"></object><embed src="x.swf">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<base href="https://evil.example/">',
        '<a href="/logout">relative</a>',
    ],
)
def test_dangerous_markup_is_removed(markup: str) -> None:
    clean = clean_mail_html(markup).markup.lower()
    for bad in ("<iframe", "<form", "<input", "onclick", "onmouseover", "javascript:",
                "data:", "<svg", "<script", "style=", "<object", "<embed", "<meta",
                "<base", "evil.example", 'href="/logout"'):  # fmt: skip
        assert bad not in clean, (bad, clean)


def test_links_open_in_a_new_tab_without_referrer() -> None:
    clean = clean_mail_html('<a href="https://procase.com/x?a=1&amp;b=2">shop</a>').markup
    assert clean == (
        '<a href="https://procase.com/x?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer nofollow">shop</a>'
    )
    assert (
        'href="mailto:a@example.com"'
        in clean_mail_html('<a href="mailto:a@example.com">m</a>').markup
    )


def test_remote_images_are_blocked_by_default_and_keep_their_alt_text() -> None:
    html = '<p>Look:</p><img src="https://cdn.example.com/a.png" alt="the broken case">'
    blocked = clean_mail_html(html)
    assert "cdn.example.com" not in blocked.markup
    assert "the broken case" in blocked.markup and "remote image not loaded" in blocked.markup
    assert (blocked.remote_images, blocked.blocked_images) == (1, 1)
    loaded = clean_mail_html(html, load_remote=True)
    assert '<img src="https://cdn.example.com/a.png" alt="the broken case">' in loaded.markup
    assert (loaded.remote_images, loaded.blocked_images) == (1, 0)


def test_cid_images_point_at_inline_attachments() -> None:
    html = '<img src="cid:Photo.1@mail" alt="photo"><img src="cid:missing@mail" alt="gone">'
    clean = clean_mail_html(html, inline_images={"<photo.1@mail>": "/attachments/7/inline"})
    assert '<img src="/attachments/7/inline" alt="photo">' in clean.markup
    assert "[image not available: gone]" in clean.markup and "cid:" not in clean.markup
    assert clean.remote_images == 0


def test_blockquote_and_gmail_quote_fold_into_details() -> None:
    html = (
        "<div>Yes, please.</div>"
        '<div class="gmail_quote tracking"><div>On Mon, Kim wrote:</div>'
        "<blockquote>Shall we <b>refund</b>?<blockquote>older</blockquote></blockquote></div>"
        "<p>Kim</p>"
    )
    clean = clean_mail_html(html).markup
    assert clean == (
        "<div>Yes, please.</div>"
        f'<details class="quoted"><summary>{SUMMARY}</summary>'
        '<div class="gmail_quote"><div>On Mon, Kim wrote:</div>'
        "<blockquote>Shall we <b>refund</b>?<blockquote>older</blockquote></blockquote></div>"
        "</details><p>Kim</p>"
    )
    two = clean_mail_html("<blockquote>a</blockquote>new<blockquote>b</blockquote>").markup
    assert two.count("<details") == 2 and "new" in two


def test_outlook_reply_folds_from_its_header_to_the_end_of_its_container() -> None:
    html = (
        "<div><p>Sure, here it is.</p>"
        '<div id="appendonsend"></div><hr style="display:inline-block">'
        '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> ProCase<br><b>Sent:</b> Monday</div>'
        "<div>Please send a photo.<blockquote>older</blockquote></div></div>"
        "<p>P.S. after the container</p>"
    )
    assert clean_mail_html(html).markup == (
        "<div><p>Sure, here it is.</p>"
        f'<details class="quoted"><summary>{SUMMARY}</summary>'
        '<div></div><hr><div dir="ltr"><b>From:</b> ProCase<br><b>Sent:</b> Monday</div>'
        "<div>Please send a photo.<blockquote>older</blockquote></div></details></div>"
        "<p>P.S. after the container</p>"
    )
    top_level = clean_mail_html('<p>new</p><div id="divRplyFwdMsg">From: x</div><p>old</p>')
    assert top_level.markup == (
        f'<p>new</p><details class="quoted"><summary>{SUMMARY}</summary>'
        "<div>From: x</div><p>old</p></details>"
    )


def test_outlook_corpus_reply_shows_only_the_new_text_unfolded() -> None:
    mail = parse_mail((CORPUS / "outlook_html_reply.eml").read_bytes())
    markup = clean_mail_html(mail.html or "").markup
    new, folded = markup.split("<details", 1)
    assert "I will send the photo tonight" in new and "From:" not in new
    assert "<b>From:</b> ProCase Support" in folded and "Please send a photo" in folded
    assert folded.count("</details>") == 1
    text_new, text_quoted = split_quoted(mail.text)
    assert text_new.rstrip().endswith("Nora") and text_quoted.startswith("_____")


@pytest.mark.parametrize(
    ("markup", "folded"),
    [
        (
            '<div class="gmail_signature" data-smartmail="gmail_signature">Nora<br>+46</div>',
            '<div class="gmail_signature">Nora<br>+46</div>',
        ),
        ('<div id="Signature"><p>Best, Sam</p></div>', "<div><p>Best, Sam</p></div>"),
        (
            '<pre class="moz-signature" cols="72">-- \nSam</pre>',
            '<pre class="moz-signature">-- \nSam</pre>',
        ),
    ],
)
def test_html_signatures_fold_under_their_own_label(markup: str, folded: str) -> None:
    html = f"<p>Thanks!</p>{markup}<blockquote>old</blockquote>"
    assert clean_mail_html(html).markup == (
        f'<p>Thanks!</p><details class="signature"><summary>{SIGNATURE_SUMMARY}</summary>'
        f'{folded}</details><details class="quoted"><summary>{SUMMARY}</summary>'
        "<blockquote>old</blockquote></details>"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi\n-- \nSam\n", ("Hi\n", "-- \nSam\n")),
        ("Hi\n\n--\nSam\nProCase\n", ("Hi\n", "--\nSam\nProCase\n")),
        ("Hi\n-- \nold sig\nmore\n-- \nSam\n", ("Hi\n-- \nold sig\nmore\n", "-- \nSam\n")),
        ("Hi\nno signature\n", ("Hi\nno signature\n", "")),
        ("-- \nonly a signature\n", ("-- \nonly a signature\n", "")),
        ("Hi\n---\nnot a delimiter\n", ("Hi\n---\nnot a delimiter\n", "")),
    ],
)
def test_split_signature(text: str, expected: tuple[str, str]) -> None:
    assert split_signature(text) == expected


def test_a_long_tail_after_dashes_is_not_a_signature() -> None:
    text = "Hi\n--\n" + "line\n" * (MAX_SIGNATURE_LINES + 1)
    assert split_signature(text) == (text, "")


def test_unknown_classes_leave_no_empty_attribute() -> None:
    markup = clean_mail_html('<div class="MsoNormal elementToProof">a</div>').markup
    assert markup == "<div>a</div>"


def test_element_ids_never_reach_the_page() -> None:
    """Ids could clobber the page's own (csrf_token, say); Outlook's markers are dropped too."""
    markup = clean_mail_html(
        '<div id="csrf_token">a</div><div id="divRplyFwdMsg">b</div><p id="x">c</p>'
    ).markup
    assert " id=" not in markup


def test_broken_markup_is_balanced_and_text_escaped() -> None:
    clean = clean_mail_html("<p>1 &lt; 2 & <b>bold<table><tr><td>x").markup
    assert clean == (
        "<p>1 &lt; 2 &amp; <b>bold</b></p><table><tbody><tr><td>x</td></tr></tbody></table>"
    )


def test_split_quoted_on_wrote_header() -> None:
    text = (
        "Thanks, that worked.\n\nKim\n\n"
        "On Tue, Mar 5, 2024 at 10:15 AM ProCase Support <support@procase.com> wrote:\n"
        "> Please try resetting it.\n> \n> Best\n"
    )
    new, quoted = split_quoted(text)
    assert new == "Thanks, that worked.\n\nKim\n"
    assert quoted.startswith("On Tue, Mar 5") and "> Please try resetting it." in quoted


def test_split_quoted_on_wrapped_gmail_header() -> None:
    text = (
        "Hi\n\nOn Tue, Mar 5, 2024 at 10:15 AM ProCase Support <\n"
        "support@procase.com> wrote:\n> x\n"
    )
    new, quoted = split_quoted(text)
    assert new == "Hi\n" and quoted.startswith("On Tue") and "> x" in quoted


@pytest.mark.parametrize(
    "header",
    [
        "-----Original Message-----",
        "----- Original Message -----",
        "-----Ursprüngliche Nachricht-----",
        "Am 05.03.2024 um 10:15 schrieb ProCase Support <support@procase.com>:",
        "Le mar. 5 mars 2024 à 10:15, ProCase <support@procase.com> a écrit :",
        "---------- Forwarded message ---------",
    ],
)
def test_split_quoted_on_other_headers(header: str) -> None:
    new, quoted = split_quoted(f"New text\n\n{header}\nFrom: x\nold text\n")
    assert new == "New text\n"
    assert quoted == f"{header}\nFrom: x\nold text\n"


def test_split_quoted_on_outlook_from_sent_block() -> None:
    text = "Done.\n\nFrom: ProCase Support <support@procase.com>\nSent: Tuesday\nTo: Kim\n\nold\n"
    new, quoted = split_quoted(text)
    assert new == "Done.\n" and quoted.startswith("From: ProCase") and quoted.endswith("old\n")


def test_split_quoted_trailing_gt_lines_only() -> None:
    new, quoted = split_quoted("Sure.\n\n> Can you help?\n> Thanks\n\n")
    assert (new, quoted) == ("Sure.\n", "> Can you help?\n> Thanks\n")


def test_inline_answers_are_not_hidden() -> None:
    text = "> Which colour?\nBlue.\n> Which size?\nLarge.\n"
    assert split_quoted(text) == (text, "")


def test_nothing_to_split_or_only_quotes() -> None:
    assert split_quoted("Hello\nWorld\n") == ("Hello\nWorld\n", "")
    only = "On Mon, Kim wrote:\n> hi\n"
    assert split_quoted(only) == (only, "")
    assert split_quoted("") == ("", "")


def test_a_line_starting_with_on_is_not_a_header() -> None:
    text = "On Monday the case broke.\nI wrote: help\n"
    assert split_quoted(text) == (text, "")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"GIF87a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"<html><script>alert(1)</script>", None),
        (b"\xff\xd8jpeg", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"", None),
        (None, None),
    ],
)
def test_image_type_by_magic_bytes(data: bytes | None, expected: str | None) -> None:
    assert image_type(data) == expected


def test_human_size() -> None:
    assert human_size(0) == "0 bytes"
    assert human_size(1) == "1 byte"
    assert human_size(1023) == "1023 bytes"
    assert human_size(2048) == "2.0 KB"
    assert human_size(5_000_000) == "4.8 MB"
    assert human_size(3 * 1024**3) == "3.0 GB"
