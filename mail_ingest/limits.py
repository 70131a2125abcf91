"""Limits on the work one mail may cost: MIME structure, body sizes (pure, no Flask).

Python's email parser does work per line for every multipart a line is nested in, and
a lot of work per part; our HTML readers are bounded by helpdesk.htmlcap. A mail over a
limit still becomes a ticket: what could be read, a note saying what was cut, and the
whole original (the HTML or text body, or the raw mail) as an attachment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from helpdesk.htmlcap import (
    MAX_ATTRIBUTES,
    MAX_HTML_CHARS,
    MAX_HTML_DEPTH,
    MAX_HTML_TAGS,
    cap_html,
)

MAX_MIME_CONTAINERS = 40  # multipart/* and message/* parts: bounds the nesting depth
MAX_MIME_PARTS = 2_000  # boundary-like lines ("--…"): bounds the number of parts
MAX_ATTACHMENTS = 500
MAX_TEXT_CHARS = 500_000

ORIGINAL_HTML = "original-message.html"
ORIGINAL_TEXT = "original-message.txt"
ORIGINAL_MAIL = "original-message.eml"

# Searched in "\n" + raw: a pattern starting with a literal is much faster than "^" and re.M.
_CONTAINER_RE = re.compile(rb"\ncontent-type:[ \t\r\n]*(?:multipart|message)/", re.I)


@dataclass(frozen=True)
class Original:
    """The whole of something cut for display, kept as an attachment."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Bodies:
    text: str
    html: str | None
    originals: tuple[Original, ...]
    notes: tuple[str, ...]  # defect names, for ParsedMail.defects


def mime_over_limit(raw: bytes) -> str | None:
    """Why the MIME structure of `raw` is too costly to parse, or None (linear, in C)."""
    lines = b"\n" + raw
    containers = len(_CONTAINER_RE.findall(lines))
    if containers > MAX_MIME_CONTAINERS:
        return f"more than {MAX_MIME_CONTAINERS} nested MIME containers ({containers})"
    parts = lines.count(b"\n--")
    if parts > MAX_MIME_PARTS:
        return f"more than {MAX_MIME_PARTS} MIME part boundaries ({parts})"
    return None


def cut_note(what: str, filename: str) -> str:
    """The note shown at the top of a body that was cut."""
    return (
        f"[The helpdesk shortened this mail for display: {what}. "
        f"The whole original is attached as {filename}.]"
    )


def mime_note(reason: str) -> str:
    return cut_note(f"{reason}; only its text is shown", ORIGINAL_MAIL)


def bound_bodies(
    text: str | None,
    html: str | None,
    html_to_text: Callable[[str], str],
    *,
    keep_text: bool = True,
) -> Bodies:
    """Cap the HTML body (size, tags, depth) and the text body (size).

    `html_to_text(markup) -> str` renders the capped HTML when there is no text body.
    A cut text body is kept whole as an attachment unless `keep_text` is False (the
    caller keeps the whole mail).
    """
    originals: list[Original] = []
    notes: list[str] = []
    if html is not None:
        capped = cap_html(html)
        regular = capped.markup  # what html_to_text reads: linear for any input
        if capped.changed:
            originals.append(Original(ORIGINAL_HTML, "text/html", html.encode("utf-8", "replace")))
            notes.append("HtmlBodyShortened")
            note = cut_note(_html_reason(capped.cut, capped.flattened), ORIGINAL_HTML)
            html = regular = f"<p>{_escape(note)}</p>{capped.markup}"
        if text is None or not text.strip():
            # Read from the HTML: cut quietly, the HTML (or its original) is the whole.
            text = html_to_text(regular)[:MAX_TEXT_CHARS]
            return Bodies(text, html, tuple(originals), tuple(notes))
    text = text or ""
    if len(text) > MAX_TEXT_CHARS and not keep_text:
        text = text[:MAX_TEXT_CHARS]
    elif len(text) > MAX_TEXT_CHARS:
        originals.append(Original(ORIGINAL_TEXT, "text/plain", text.encode("utf-8", "replace")))
        notes.append("TextBodyShortened")
        note = cut_note(f"the text is longer than {MAX_TEXT_CHARS:,} characters", ORIGINAL_TEXT)
        text = f"{note}\n\n{text[:MAX_TEXT_CHARS]}"
    return Bodies(text, html, tuple(originals), tuple(notes))


def _html_reason(cut: bool, flattened: bool) -> str:
    reasons = []
    if cut:
        reasons.append(
            f"its HTML is longer than {MAX_HTML_CHARS:,} characters "
            f"or {MAX_HTML_TAGS:,} tags, and the rest was cut"
        )
    if flattened:
        reasons.append(
            f"elements nested deeper than {MAX_HTML_DEPTH} levels (or attributes beyond "
            f"{MAX_ATTRIBUTES} a tag) were dropped, their text kept"
        )
    return "; ".join(reasons)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
