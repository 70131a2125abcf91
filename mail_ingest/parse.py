"""Parse raw RFC 5322 mail bytes into a plain, immutable :class:`ParsedMail`.

The parser is deliberately forgiving: broken MIME, unknown or lying charsets and hostile
header values still produce a result.  Only input that is not a mail at all raises
:class:`MailParseError`; no other exception ever escapes :func:`parse_mail`.

``email.policy.compat32`` is used for speed and robustness; header decoding (RFC 2047),
charset fallbacks and address handling are done here.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import html as html_mod
import mimetypes
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from functools import lru_cache
from html.parser import HTMLParser

from helpdesk.htmlcap import cap_html
from mail_ingest.limits import (
    MAX_ATTACHMENTS,
    ORIGINAL_MAIL,
    Original,
    bound_bodies,
    cut_note,
    mime_note,
    mime_over_limit,
)

__all__ = [
    "MailParseError",
    "ParsedAttachment",
    "ParsedMail",
    "address_fits",
    "parse_mail",
    "sha256_hex",
]


SENDER_TOO_LONG = "SenderAddressTooLong"  # a defect: From holds an over-long address


class MailParseError(Exception):
    """Mail cannot be parsed at all (reason in str())."""


@dataclass(frozen=True)
class ParsedAttachment:
    """One attachment (or inline part) of a mail."""

    filename: str
    content_type: str
    data: bytes
    inline: bool
    content_id: str | None


@dataclass(frozen=True)
class ParsedMail:
    """The parts of a mail the helpdesk cares about."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_name: str
    from_address: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    date: datetime | None
    text: str
    html: str | None
    attachments: tuple[ParsedAttachment, ...]
    auto_submitted: str | None
    precedence: str | None
    list_id: str | None
    x_auto_response_suppress: str | None
    return_path: str | None
    is_delivery_report: bool
    bounced_message_ids: tuple[str, ...]
    defects: tuple[str, ...]
    # Where the mail says it has been (trust decisions are mail_ingest.rules' and .dates').
    received_dates: tuple[datetime, ...] = ()  # of the Received headers, top (newest) first
    authentication_results: tuple[str, ...] = ()  # raw values, top first
    spam_flags: tuple[str, ...] = ()  # "x-spam-flag: yes" and the like, lower-cased
    x_autoreply: str | None = None  # X-Autoreply or X-Autorespond, lower-cased


# --------------------------------------------------------------------------- constants

_PARSER = BytesParser(policy=email_policy.compat32)

_MAX_DEPTH = 40
_MAX_FILENAME = 150
# Message-IDs longer than this (in UTF-8 bytes: the RFC 5322 line limit) count as absent, so
# that every id stored fits the indexed columns (a PostgreSQL btree entry holds ~2,700 bytes).
_MAX_MSGID = 998
# RFC 5321: a path holds at most 256 octets, so an address at most 254, its local part 64.
# A longer address counts as no address: no store's customer has one, and it fits no column.
MAX_ADDRESS = 254
MAX_LOCAL_PART = 64
_MAX_TRACE_HEADERS = 50  # Received / Authentication-Results headers read per mail
_MAX_TRACE_VALUE = 4000  # characters of each one read
_SPAM_HEADERS = ("x-spam-flag", "x-spam-status", "x-spam")

# At least one of these must be present for the input to count as a mail.
_MAIL_HEADERS = frozenset(
    """from to cc bcc subject date message-id sender reply-to in-reply-to references received
    return-path delivered-to x-original-to envelope-to mime-version content-type
    content-transfer-encoding x-mailer user-agent dkim-signature arc-seal
    authentication-results resent-from resent-to resent-date resent-message-id list-id
    auto-submitted precedence x-auto-response-suppress thread-topic thread-index""".split()  # noqa: SIM905
)

_MSGID_RE = re.compile(r"<([^<>\s\x00-\x1f\x7f]+)>")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CTRL_ALL_RE = re.compile(r"[\x00-\x1f\x7f]")
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_ADDR_RE = re.compile(r"^[^\s<>@,;\x00-\x1f\x7f]+@[^\s<>@,;\x00-\x1f\x7f]+$")
_ANGLE_RE = re.compile(r"<([^<>]*)>")
_CID_REF_RE = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOUNDARY_LINE_RE = re.compile(r"^--([^\s\"]{1,200})[ \t]*\r?$", re.MULTILINE)
_BAD_FILENAME_CHARS_RE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"|?*]')
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_HTML_WS_RE = re.compile(r"[ \t\r\n\f]+")
_HEAD_END_RE = re.compile(rb"\r?\n\r?\n")

# Declared charset -> the superset that mailers actually mean.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_2",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unknown": "cp1252",
    "unknown-8bit": "cp1252",
}
# Charsets for which pure-ASCII bytes decode to the same text (safe for the fast path).
_ASCII_SAFE = frozenset(
    ["us-ascii", "ascii", "utf-8", "cp1252", "windows-1252", "iso-8859-15", "iso-8859-2"]
)
_ASCII_LIKE = frozenset(["us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us"])
_UTF8_NAMES = frozenset(["utf-8", "utf_8", "utf-8-sig"])

_EXTENSION_OVERRIDES = {
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/heic": ".heic",
    "image/webp": ".webp",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
    "application/octet-stream": ".bin",
    "application/pdf": ".pdf",
}
_MIMETYPES = mimetypes.MimeTypes()  # built-in table only: deterministic across hosts


# --------------------------------------------------------------------------- public API


def sha256_hex(raw: bytes) -> str:
    """Hex SHA-256 of the raw mail bytes (used for de-duplication)."""
    return hashlib.sha256(bytes(raw)).hexdigest()


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw mail bytes; raise :class:`MailParseError` only, and only for non-mail."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MailParseError(f"expected bytes, got {type(raw).__name__}")
    try:
        return _parse(bytes(raw))
    except MailParseError:
        raise
    except RecursionError as exc:
        raise MailParseError("message structure nested too deeply") from exc
    except MemoryError as exc:
        raise MailParseError("message too large to parse") from exc
    except Exception as exc:  # pragma: no cover - defensive: never leak other exceptions
        reason = f"unexpected {type(exc).__name__}: {exc}"
        raise MailParseError(reason[:200]) from exc


# --------------------------------------------------------------------------- charset helpers


@lru_cache(maxsize=256)
def _codec_name(charset: str | None) -> str | None:
    """Normalise a declared charset to a usable Python text codec name, or None."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    if not name:
        return None
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return name


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, then utf-8, then cp1252 (never raises)."""
    codec = _codec_name(charset)
    if data.isascii() and (codec is None or codec in _ASCII_SAFE or codec in _ASCII_LIKE):
        return data.decode("ascii")
    tried: list[str] = []
    if codec is not None and codec not in _ASCII_LIKE:
        tried.append(codec)
        try:
            return data.decode("utf-8-sig" if codec in _UTF8_NAMES else codec)
        except Exception:
            pass
    if "utf-8" not in tried:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    # A real multi-byte/legacy charset with a few bad bytes: keep its decoding.
    if codec is not None and codec not in _ASCII_LIKE and codec not in _UTF8_NAMES:
        try:
            return data.decode(codec, errors="replace")
        except Exception:
            pass
    return data.decode("cp1252", errors="replace")


def _raw_header_to_str(value: object) -> str:
    """Turn a compat32 raw header value (str with surrogateescapes) into clean text."""
    if not isinstance(value, str):
        value = str(value)
    if not value.isascii():
        data = value.encode("utf-8", "surrogateescape")
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError:
            value = data.decode("cp1252", errors="replace")
    if "\n" in value or "\r" in value:
        value = _FOLD_RE.sub("", value)
        value = _NEWLINE_RE.sub(" ", value)
    return value


def _decode_b(payload: str) -> bytes:
    data = payload.encode("ascii", "ignore")
    data += b"=" * (-len(data) % 4)
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        try:
            return base64.b64decode(data.rstrip(b"=") + b"==")
        except (binascii.Error, ValueError):
            return payload.encode("utf-8", "replace")


def _decode_q(payload: str) -> bytes:
    try:
        return binascii.a2b_qp(payload.encode("utf-8", "replace"), header=True)
    except (binascii.Error, ValueError):
        return payload.encode("utf-8", "replace")


def _decode_rfc2047(value: str) -> str:
    """Decode RFC 2047 encoded words; adjacent words of one charset are joined first."""
    if "=?" not in value:
        return value
    chunks: list[tuple[str | None, str | bytes]] = []
    pos = 0
    prev_word = False
    for match in _ENCODED_WORD_RE.finditer(value):
        gap = value[pos : match.start()]
        if gap and not (prev_word and not gap.strip(" \t\r\n")):
            chunks.append((None, gap))
        charset = match.group(1).split("*", 1)[0].lower()
        enc = match.group(2).lower()
        data = _decode_b(match.group(3)) if enc == "b" else _decode_q(match.group(3))
        last = chunks[-1] if chunks else None
        if last is not None and last[0] == charset and isinstance(last[1], bytes):
            chunks[-1] = (charset, last[1] + data)
        else:
            chunks.append((charset, data))
        prev_word = True
        pos = match.end()
    if pos < len(value):
        chunks.append((None, value[pos:]))
    out = []
    for charset, piece in chunks:
        out.append(piece if isinstance(piece, str) else _decode_bytes(piece, charset))
    return "".join(out)


def _one_line(value: str) -> str:
    """Replace control characters by spaces and collapse all whitespace."""
    return " ".join(_CTRL_ALL_RE.sub(" ", value).split())


# --------------------------------------------------------------------------- header helpers


def _msgid_list(value: str | None) -> tuple[str, ...]:
    """All message ids in a References/In-Reply-To style value, de-duplicated in order."""
    if not value:
        return ()
    ids = _MSGID_RE.findall(value)
    if not ids:
        ids = [
            tok
            for tok in (t.strip("<>,;\"'") for t in value.split())
            if tok and not _CTRL_ALL_RE.search(tok)
        ]
    seen: dict[str, None] = {}
    for mid in ids:
        if _msgid_fits(mid):
            seen.setdefault(mid, None)
    return tuple(seen)


def _msgid_fits(mid: str) -> bool:
    return len(mid) <= _MAX_MSGID and len(mid.encode("utf-8", "replace")) <= _MAX_MSGID


def _single_msgid(value: str | None) -> str | None:
    if not value:
        return None
    match = _MSGID_RE.search(value)
    if match:
        mid = match.group(1)
    else:
        tokens = value.split()
        if len(tokens) != 1:
            return None
        mid = tokens[0].strip("<>")
        if not mid or "<" in mid or ">" in mid or _CTRL_ALL_RE.search(mid):
            return None
    return mid if _msgid_fits(mid) else None


def address_fits(addr: str) -> bool:
    """Within RFC 5321's lengths (octets): 254 in all, 64 before the last @."""
    size = len(addr.encode("utf-8", "replace"))
    local = addr.rpartition("@")[0]
    return size <= MAX_ADDRESS and len(local.encode("utf-8", "replace")) <= MAX_LOCAL_PART


def _usable(addr: str) -> bool:
    return bool(_ADDR_RE.match(addr)) and address_fits(addr)


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """Parse address header values into (decoded display name, lower-cased address)."""
    if not values:
        return []
    out: list[tuple[str, str]] = []
    for name, addr in getaddresses(values):
        addr = addr.strip().lower()
        if not _usable(addr):
            continue
        out.append((_one_line(_decode_rfc2047(name)).strip("\"' "), addr))
    return out


def _sender(values: list[str]) -> tuple[str, str | None]:
    """(display name, address) of the first From address; address None if unusable."""
    if not values:
        return "", None
    valid = _addresses(values[:1])
    if valid:
        return valid[0]
    try:
        pairs = getaddresses(values[:1])
    except Exception:
        pairs = []
    name = next((n for n, _a in pairs if n.strip()), "")
    return _one_line(_decode_rfc2047(name)).strip("\"' "), None


def _too_long_address(values: list[str]) -> bool:
    """The first address is well-formed but longer than RFC 5321 allows."""
    try:
        pairs = getaddresses(values[:1])
    except Exception:
        return False
    return any(_ADDR_RE.match(a.strip()) and not address_fits(a.strip()) for _n, a in pairs)


def _addr_tuple(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _name, addr in _addresses(values):
        seen.setdefault(addr, None)
    return tuple(seen)


def _parse_date(value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        dt = parsedate_to_datetime(value.strip())
    except Exception:
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        dt.astimezone(UTC)  # stored in UTC: 9999-12-31 23:00 -1000 is beyond year 9999
    except OverflowError:
        return None
    return dt


def _received_dates(values: list[str]) -> tuple[datetime, ...]:
    """The dates after the last `;` of each Received header that has a readable one."""
    found = []
    for value in values[:_MAX_TRACE_HEADERS]:
        _, sep, stamp = value[-_MAX_TRACE_VALUE:].rpartition(";")
        when = _parse_date(stamp) if sep else None
        if when is not None:
            found.append(when)
    return tuple(found)


def _lower_value(value: str | None) -> str | None:
    if value is None:
        return None
    value = _one_line(_decode_rfc2047(value)).lower()
    return value or None


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    match = _ANGLE_RE.search(value)
    inner = match.group(1) if match else value
    inner = inner.strip().lower()
    if not inner:
        return ""
    if _CTRL_ALL_RE.search(inner) or " " in inner or not address_fits(inner):
        return None
    return inner


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:
        return None
    if value is None:
        return None
    try:
        return str(collapse_rfc2231_value(value))
    except Exception:
        return None


# --------------------------------------------------------------------------- html to text


class _HTMLText(HTMLParser):
    """Minimal HTML -> plain text renderer."""

    _SKIP = frozenset(["script", "style", "title", "template"])
    _BLOCK = frozenset(
        """p div tr table ul ol blockquote pre hr h1 h2 h3 h4 h5 h6 section article header
        footer dl dt dd address form fieldset center nav aside main figure caption""".split()  # noqa: SIM905
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in self._BLOCK:
            self.out.append("\n")
            if tag == "pre":
                self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            if self.skip:
                self.skip -= 1
        elif tag in self._BLOCK or tag == "li":
            self.out.append("\n")
            if tag == "pre" and self.pre:
                self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.out.append(data if self.pre else _HTML_WS_RE.sub(" ", data))


def _tidy_text(text: str) -> str:
    text = text.replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(markup: str) -> str:
    """Render HTML as readable plain text (script/style contents dropped).

    The markup is capped first (helpdesk.htmlcap): linear for any input, bounded output.
    """
    markup = cap_html(markup).markup
    try:
        parser = _HTMLText()
        parser.feed(markup)
        parser.close()
        text = "".join(parser.out)
    except Exception:
        stripped = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", markup)
        stripped = re.sub(r"(?i)<br\s*/?>|</?(p|div)\b[^>]*>", "\n", stripped)
        text = html_mod.unescape(re.sub(r"<[^>]*>", " ", stripped))
        text = "\n".join(_HTML_WS_RE.sub(" ", line) for line in text.split("\n"))
    return _tidy_text(_CTRL_RE.sub("", text))


# --------------------------------------------------------------------------- filenames


def _guess_extension(content_type: str) -> str:
    ext = _EXTENSION_OVERRIDES.get(content_type)
    if ext is None:
        try:
            ext = _MIMETYPES.guess_extension(content_type, strict=False)
        except Exception:
            ext = None
    return ext or ""


def safe_filename(name: str | None, content_type: str) -> str:
    """Basename only, no control/format characters, no leading dots, <= 150 chars."""
    cleaned = ""
    if name:
        name = unicodedata.normalize("NFC", name.replace("\\", "/"))
        name = name.rsplit("/", 1)[-1]
        name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
        name = _BAD_FILENAME_CHARS_RE.sub("_", name)
        cleaned = " ".join(name.split()).lstrip(". ").rstrip(". ")
    if not cleaned or set(cleaned) <= {".", "_", " "}:
        return "attachment" + _guess_extension(content_type)
    if len(cleaned) > _MAX_FILENAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and stem and 0 < len(ext) <= 16:
            ext = "." + ext
            cleaned = stem[: _MAX_FILENAME - len(ext)].rstrip(". ") + ext
        else:
            cleaned = cleaned[:_MAX_FILENAME].rstrip(". ")
        if not cleaned or cleaned.startswith("."):
            return "attachment" + _guess_extension(content_type)
    return cleaned


# --------------------------------------------------------------------------- MIME walking


class _Collector:
    """Mutable state while walking the MIME tree."""

    def __init__(self) -> None:
        self.plain: str | None = None
        self.html: str | None = None
        # (filename, content_type, data, disposition_inline, content_id, in_related)
        self.attachments: list[tuple[str, str, bytes, bool, str | None, bool]] = []
        self.defects: dict[str, None] = {}
        self.report_parts: list[Message] = []
        self.is_delivery_report = False
        self.recovered = False  # a boundary is guessed once a mail: each guess re-parses
        self.skipped_attachments = 0


def _part_text(part: Message, default_charset: str | None = None) -> str:
    data = _payload_bytes(part)
    charset = None
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    if charset is None and default_charset is None and part.get_content_subtype() == "html":
        match = _META_CHARSET_RE.search(data[:4096])
        if match:
            charset = match.group(1).decode("ascii", "ignore")
    text = _decode_bytes(data, charset or default_charset)
    if "\r" in text:
        text = _NEWLINE_RE.sub("\n", text)
    return text.replace("\x00", "")


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    if isinstance(payload, list):  # message/* parts: serialise the embedded message(s)
        chunks = []
        for sub in payload:
            if not isinstance(sub, Message):
                continue
            try:
                chunks.append(sub.as_bytes())
            except Exception:
                continue
        return b"\n".join(chunks)
    return b""


def _content_id(part: Message) -> str | None:
    value = part.get("content-id")
    if value is None:
        return None
    value = _raw_header_to_str(value)
    match = _MSGID_RE.search(value)
    cid = match.group(1) if match else value.strip().strip("<>").strip()
    if not cid or _CTRL_ALL_RE.search(cid):
        return None
    return cid[:_MAX_MSGID]


def _filename(part: Message) -> str | None:
    """The attachment's file name (RFC 2231 and RFC 2047 decoded), unsanitised."""
    target = part
    raw = [
        (name, value)
        for name, value in part.raw_items()
        if name.lower() in ("content-disposition", "content-type")
    ]
    if any(not str(value).isascii() for _name, value in raw):
        # 8-bit header: compat32 would turn it into U+FFFD; decode it ourselves first.
        target = Message()
        for name, value in raw:
            target[name] = _raw_header_to_str(value)
    try:
        filename = target.get_filename()
    except Exception:
        return None
    if filename is None:
        return None
    return _decode_rfc2047(_raw_header_to_str(filename))


def _recover_multipart(part: Message) -> Message | None:
    """A multipart without a usable boundary: guess it from the body and re-parse.

    The guess is the first boundary-like line that occurs at least twice (counted in one
    pass: counting each candidate in the whole body would be quadratic).
    """
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    lines = Counter(m.group(1).removesuffix("--") for m in _BOUNDARY_LINE_RE.finditer(payload))
    boundary = next((b for b, n in lines.items() if b and n >= 2), None)
    if boundary is None:
        return None
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    try:
        data = (head + payload).encode("utf-8", "surrogateescape")
        recovered = _PARSER.parsebytes(data)
    except Exception:
        return None
    if recovered.is_multipart() and recovered.get_payload():
        return recovered
    return None


def _walk(part: Message, col: _Collector, depth: int, parent: str, recovered: bool = False) -> None:
    if depth > _MAX_DEPTH:
        col.defects.setdefault("NestingTooDeepDefect", None)
        return
    try:
        _walk_part(part, col, depth, parent, recovered)
    finally:  # after decoding, so base64 defects found while decoding are included
        for defect in getattr(part, "defects", ()) or ():
            col.defects.setdefault(type(defect).__name__, None)


def _walk_part(part: Message, col: _Collector, depth: int, parent: str, recovered: bool) -> None:
    ctype = part.get_content_type()
    maintype, _, subtype = ctype.partition("/")

    if maintype == "multipart":
        if part.is_multipart():
            if subtype == "report":
                report_type = (_param(part, "report-type") or "").strip().lower()
                if report_type == "delivery-status":
                    col.is_delivery_report = True
            for sub in part.get_payload():
                if isinstance(sub, Message):
                    _walk(sub, col, depth + 1, subtype)
                    if subtype == "report" and col.is_delivery_report:
                        col.report_parts.append(sub)
            return
        if not recovered and not col.recovered:
            fixed = _recover_multipart(part)
            col.recovered = True
            if fixed is not None:
                col.defects.setdefault("RecoveredMultipartBoundary", None)
                for sub in fixed.get_payload():
                    if isinstance(sub, Message):
                        _walk(sub, col, depth + 1, subtype, recovered=True)
                return
        ctype, maintype, subtype = "text/plain", "text", "plain"  # show what we have

    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    body = ctype in ("text/plain", "text/html") and disposition != "attachment"
    if body and (col.plain if subtype == "plain" else col.html) is None:
        text = _part_text(part)
        if subtype == "plain":
            col.plain = text
        else:
            col.html = text
        return
    raw_name = _filename(part)  # after the first text bodies, which need no name
    if body and parent == "alternative" and raw_name is None:
        return  # another rendering of a body we already have
    if len(col.attachments) >= MAX_ATTACHMENTS:
        col.skipped_attachments += 1
        return

    cid = _content_id(part)
    col.attachments.append(
        (
            safe_filename(raw_name, ctype),
            ctype,
            _payload_bytes(part),
            disposition == "inline",
            cid,
            parent == "related",
        )
    )


def _bounced_ids(parts: list[Message]) -> tuple[str, ...]:
    ids: dict[str, None] = {}
    for part in parts:
        ctype = part.get_content_type()
        headers: list[object] = []
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list):
                for sub in payload:
                    if isinstance(sub, Message):
                        headers.extend(sub.get_all("message-id") or [])
        elif ctype in ("text/rfc822-headers", "message/global-headers"):
            try:
                sub = _PARSER.parsebytes(_payload_bytes(part), headersonly=True)
                headers.extend(sub.get_all("message-id") or [])
            except Exception:
                continue
        for value in headers:
            mid = _single_msgid(_raw_header_to_str(value))
            if mid:
                ids.setdefault(mid, None)
    return tuple(ids)


# --------------------------------------------------------------------------- main


def _parse(raw: bytes) -> ParsedMail:
    raw = raw.lstrip(b"\r\n\t ")
    if not raw:
        raise MailParseError("empty input")
    over_limit = mime_over_limit(raw)
    body = b""
    if over_limit is None:
        msg = _PARSER.parsebytes(raw)
    else:  # the stdlib parser reads only the header block; the body is read as text
        head_end = _HEAD_END_RE.search(raw)
        split = head_end.end() if head_end else len(raw)
        msg, body = _PARSER.parsebytes(raw[:split], headersonly=True), raw[split:]

    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.strip().lower() if isinstance(name, str) else ""
        if key:
            headers.setdefault(key, []).append(_raw_header_to_str(value))
    if not headers:
        raise MailParseError("no header lines found")
    if _MAIL_HEADERS.isdisjoint(headers):
        raise MailParseError("no mail headers found")

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    col = _Collector()
    if over_limit is None:
        _walk(msg, col, 0, "")
    else:
        col.plain = _NEWLINE_RE.sub("\n", _decode_bytes(body, None)).replace("\x00", "")
        col.defects.setdefault("MimeLimitExceeded", None)
    whole_mail_kept = over_limit is not None
    bodies = bound_bodies(col.plain, col.html, html_to_text, keep_text=not whole_mail_kept)
    html, text = bodies.html, bodies.text
    originals = list(bodies.originals)
    col.defects.update(dict.fromkeys(bodies.notes))
    if whole_mail_kept or col.skipped_attachments:
        originals.append(Original(ORIGINAL_MAIL, "message/rfc822", raw))
        note = (
            mime_note(over_limit)
            if over_limit is not None
            else cut_note(
                f"it has {len(col.attachments) + col.skipped_attachments} attachments; "
                f"the first {MAX_ATTACHMENTS} are shown",
                ORIGINAL_MAIL,
            )
        )
        text = f"{note}\n\n{text}"
        if html is not None:
            html = f"<p>{html_mod.escape(note, quote=False)}</p>{html}"

    referenced: set[str] = set()
    if html is not None and "cid:" in html.lower():
        referenced = {m.lower() for m in _CID_REF_RE.findall(html)}
    attachments = tuple(
        ParsedAttachment(
            filename=name,
            content_type=ctype,
            data=data,
            inline=disp_inline or (cid is not None and (in_related or cid.lower() in referenced)),
            content_id=cid,
        )
        for name, ctype, data, disp_inline, cid, in_related in col.attachments
    ) + tuple(ParsedAttachment(o.filename, o.content_type, o.data, False, None) for o in originals)

    from_name, from_address = _sender(headers.get("from", []))
    if from_address is None and _too_long_address(headers.get("from", [])):
        col.defects.setdefault(SENDER_TOO_LONG, None)

    subject = first("subject")
    return ParsedMail(
        message_id=_single_msgid(first("message-id")),
        in_reply_to=_msgid_list(" ".join(headers.get("in-reply-to", []))),
        references=_msgid_list(" ".join(headers.get("references", []))),
        subject=_one_line(_decode_rfc2047(subject)) if subject else "",
        from_name=from_name,
        from_address=from_address,
        to=_addr_tuple(headers.get("to", [])),
        cc=_addr_tuple(headers.get("cc", [])),
        reply_to=_addr_tuple(headers.get("reply-to", [])),
        date=_parse_date(first("date")),
        text=text,
        html=html,
        attachments=attachments,
        auto_submitted=_lower_value(first("auto-submitted")),
        precedence=_lower_value(first("precedence")),
        list_id=_lower_value(first("list-id")),
        x_auto_response_suppress=_lower_value(first("x-auto-response-suppress")),
        x_autoreply=_lower_value(first("x-autoreply") or first("x-autorespond")),
        return_path=_return_path(first("return-path")),
        is_delivery_report=col.is_delivery_report,
        bounced_message_ids=_bounced_ids(col.report_parts) if col.is_delivery_report else (),
        defects=tuple(col.defects),
        received_dates=_received_dates(headers.get("received", [])),
        authentication_results=tuple(
            v[:_MAX_TRACE_VALUE]
            for v in headers.get("authentication-results", [])[:_MAX_TRACE_HEADERS]
        ),
        spam_flags=tuple(
            f"{name}: {_one_line(value[:200]).lower()}"
            for name in _SPAM_HEADERS
            for value in headers.get(name, [])[:5]
        ),
    )
