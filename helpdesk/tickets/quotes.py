"""Split a plain-text mail body into what is new and the quoted tail (pure, no Flask).

Nothing is ever dropped: `new` and `quoted` together hold every non-blank line.
The quoted tail starts at a reply header ("On ... wrote:", "Am ... schrieb ...:",
"-----Original Message-----", an Outlook "From:/Sent:" block) or at a trailing run of "> " lines.
Inline answers between quoted lines stay in the new part. `split_signature` then takes the
signature (after a "-- " line, RFC 3676) off the new part.
"""

from __future__ import annotations

import re

# One line that introduces quoted earlier mail. Gmail may wrap "On ... wrote:" onto two
# lines, so headers are also tried on a line joined with the next one.
_HEADER_RES = [
    re.compile(r"^On\b.{4,400}\bwrote:$"),
    re.compile(r"^Am\b.{4,400}\bschrieb\b.{0,300}:$"),
    re.compile(r"^Le\b.{4,400}\ba écrit ?:$"),
    re.compile(r"^El\b.{4,400}\bescribió:$"),
    re.compile(
        r"^-{2,} ?(Original Message|Ursprüngliche Nachricht|Forwarded message|"
        r"Message d'origine|Mensaje original) ?-{2,}$",
        re.IGNORECASE,
    ),
    re.compile(r"^Begin forwarded message:$"),
]
_OUTLOOK_FROM = re.compile(r"^\*?(From|Von|De):\*? ")
_OUTLOOK_NEXT = re.compile(r"^\*?(Sent|Date|Gesendet|Datum|Envoyé|To|An):\*? ")
# The rule Outlook draws above its "From:/Sent:" block belongs to the quote.
_RULE = re.compile(r"^(_{8,}|-{8,})$")


# How every reply header starts: one cheap test a line before the patterns above.
_HEADER_START = re.compile(
    r"On\b|Am\b|Le\b|El\b|Begin |\*?(From|Von|De):|"
    r"-{2,} ?(Original|Ursprüngliche|Forwarded|Message|Mensaje)",
    re.IGNORECASE,
)


def _is_header(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if not line or not _HEADER_START.match(line):
        return False
    following = lines[i + 1].strip() if i + 1 < len(lines) else ""
    for pattern in _HEADER_RES:
        if pattern.match(line) or (following and pattern.match(f"{line} {following}")):
            return True
    return bool(_OUTLOOK_FROM.match(line) and _OUTLOOK_NEXT.match(following))


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _quote_start(lines: list[str]) -> int | None:
    for i in range(len(lines)):
        if _is_header(lines, i):
            return i
    # No header: a tail made only of "> " lines (and blank lines) is quoted.
    start = None
    for i in range(len(lines) - 1, -1, -1):
        if _is_quoted(lines[i]):
            start = i
        elif lines[i].strip():
            break
    return start


def split_quoted(text: str) -> tuple[str, str]:
    """Return `(new, quoted)`; `quoted` is "" when there is no quoted tail.

    When everything would be quoted (a bare forward), nothing is split off.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    start = _quote_start(lines)
    if start is None:
        return text, ""
    while start > 0 and _RULE.match(lines[start - 1].strip()):
        start -= 1
    new = "\n".join(lines[:start])
    if not new.strip():
        return text, ""
    return new.rstrip() + "\n", "\n".join(lines[start:]).strip("\n") + "\n"


MAX_SIGNATURE_LINES = 15  # a longer tail after "--" is more likely text than a signature


def split_signature(text: str) -> tuple[str, str]:
    """Return `(body, signature)`; the signature starts at the last "-- " (or "--") line.

    Nothing is split off when there is no such line, when nothing would be left above it,
    or when more than MAX_SIGNATURE_LINES follow it.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    marks = [i for i, line in enumerate(lines) if line.rstrip() == "--"]
    if not marks:
        return text, ""
    start = marks[-1]
    body = "\n".join(lines[:start])
    signature = "\n".join(lines[start:]).strip("\n")
    if not body.strip() or signature.count("\n") > MAX_SIGNATURE_LINES:
        return text, ""
    return body.rstrip() + "\n", signature + "\n"
