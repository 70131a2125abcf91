"""Make a mail's HTML safe to show on the ticket page (pure: no Flask, no database).

nh3 (the Ammonia sanitizer) keeps a conservative set of tags and attributes: no script,
style, iframe or form, no event handlers, no style attributes, only http(s)/mailto links.
A second pass over nh3's output then
- points `cid:` images at the message's inline attachments (or shows a placeholder),
- blocks remote images unless the agent asked for them (alt text stays as a placeholder),
- opens links in a new tab with rel="noopener noreferrer nofollow",
- folds quoted earlier mail into a closed `<details>`: a `blockquote` or Gmail's quote div,
  and Outlook's replies, which quote without either: everything from Outlook's reply header
  (`div#divRplyFwdMsg`, or the `div#appendonsend` before it) to the end of its container;
- folds signatures (Gmail's, Thunderbird's, Outlook's `div#Signature`) under their own label.

Work is bounded: helpdesk.htmlcap makes the markup regular and caps its size, tags and
depth before nh3 sees it (ingest already stores capped HTML with the original attached;
this covers anything stored before), so both passes are linear. The ticket page keeps
results in `CACHE`, keyed by a hash of the HTML and what else the result depends on.
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from threading import Lock

import nh3

from helpdesk.htmlcap import cap_html

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "dd", "del", "div",
    "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
# Dropped together with everything inside them.
CONTENT_TAGS = {
    "script", "style", "title", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "template", "svg", "math", "form", "textarea", "select", "button",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "div": {"id"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "cid"}
QUOTE_CLASSES = {"gmail_quote", "gmail_quote_container", "moz-cite-prefix", "yahoo_quoted"}
SIGNATURE_CLASSES = {"gmail_signature", "moz-signature"}
# Outlook's reply header and signature: the only ids kept, until the rewriter drops them.
OUTLOOK_QUOTE_IDS = {"divRplyFwdMsg", "appendonsend"}
OUTLOOK_SIGNATURE_IDS = {"Signature", "signature"}
_KEPT_IDS = OUTLOOK_QUOTE_IDS | OUTLOOK_SIGNATURE_IDS
LINK_REL = "noopener noreferrer nofollow"
SUMMARY = "Show quoted text"
SIGNATURE_SUMMARY = "Show signature"
_VOID = {"br", "hr", "img"}
CUT_NOTE = (
    "[This mail is too large or too deeply nested to show whole: the rest was cut or flattened.]"
)
# Part of the cache key: bump when the output of clean_mail_html changes.
SANITIZER_VERSION = 2


@dataclass(frozen=True)
class CleanHtml:
    """Sanitized markup and how many remote images the mail has (shown or blocked)."""

    markup: str
    remote_images: int
    blocked_images: int


def clean_mail_html(
    html: str, *, inline_images: Mapping[str, str] | None = None, load_remote: bool = False
) -> CleanHtml:
    """Sanitize `html`; `inline_images` maps a Content-ID (no <>) to the URL serving it."""
    capped = cap_html(html)
    cleaned = nh3.clean(
        capped.markup,
        tags=TAGS,
        clean_content_tags=CONTENT_TAGS,
        attributes=ATTRIBUTES,
        strip_comments=True,
        link_rel=None,
        url_schemes=URL_SCHEMES,
        url_relative="deny",
        allowed_classes={"div": QUOTE_CLASSES | SIGNATURE_CLASSES, "pre": {"moz-signature"}},
        attribute_filter=_keep_outlook_ids,
    )
    rewriter = _Rewriter(
        {k.strip("<>").lower(): v for k, v in (inline_images or {}).items()}, load_remote
    )
    rewriter.feed(cleaned)
    rewriter.close()
    markup = "".join(rewriter.out)
    if capped.changed:
        markup = f'<p class="cut-note">{escape(CUT_NOTE, quote=False)}</p>{markup}'
    return CleanHtml(markup, rewriter.remote, rewriter.blocked)


class SanitizedCache:
    """A bounded LRU of sanitized HTML (thread-safe), keyed by the SHA-256 of everything
    the result depends on: the HTML, the inline image URLs, remote images on or off and
    SANITIZER_VERSION. Bounded by entries and by the characters it holds."""

    def __init__(self, max_entries: int = 512, max_chars: int = 16_000_000) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.chars = 0
        self._items: OrderedDict[str, CleanHtml] = OrderedDict()
        self._lock = Lock()

    def clean(
        self, html: str, *, inline_images: Mapping[str, str] | None = None, load_remote: bool
    ) -> CleanHtml:
        """`clean_mail_html`, or its result for the same input from before."""
        key = _cache_key(html, inline_images or {}, load_remote)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        result = clean_mail_html(html, inline_images=inline_images, load_remote=load_remote)
        self._put(key, result)
        return result

    def _put(self, key: str, result: CleanHtml) -> None:
        size = len(result.markup)
        if size > self.max_chars:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = result
            self.chars += size
            while len(self._items) > self.max_entries or self.chars > self.max_chars:
                _old, dropped = self._items.popitem(last=False)
                self.chars -= len(dropped.markup)


def _cache_key(html: str, inline_images: Mapping[str, str], load_remote: bool) -> str:
    digest = hashlib.sha256(f"{SANITIZER_VERSION}\0{int(load_remote)}\0".encode())
    for cid, url in sorted(inline_images.items()):
        digest.update(f"{cid}\0{url}\0".encode("utf-8", "surrogatepass"))
    digest.update(b"\0" + html.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


CACHE = SanitizedCache()


def _keep_outlook_ids(element: str, attribute: str, value: str) -> str | None:
    return value if attribute != "id" or value in _KEPT_IDS else None


def _attrs(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {name}="{escape(value, quote=True)}"' for name, value in pairs)


class _Rewriter(HTMLParser):
    """Re-serialise nh3's output, rewriting images and links and folding quotes."""

    def __init__(self, inline_images: Mapping[str, str], load_remote: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.inline_images = inline_images
        self.load_remote = load_remote
        self.out: list[str] = []
        self.remote = 0
        self.blocked = 0
        self.stack: list[str] = []
        self.open: Counter[str] = Counter()  # tags in `stack`: "in stack" would be quadratic
        self.quote_depth: int | None = None  # stack depth of the open folded quote
        self.tail_depth: int | None = None  # stack depth of an Outlook quote: to its parent's end

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # nh3 leaves class="" where it removed every class: drop it.
        pairs = [(k, v or "") for k, v in attrs if k != "class" or (v or "").strip()]
        if tag == "img":
            self.out.append(self._image(pairs))
            return
        if tag == "a":
            pairs = [(k, v) for k, v in pairs if k != "href" or not v.lower().startswith("cid:")]
            if any(k == "href" for k, _ in pairs):
                pairs += [("target", "_blank"), ("rel", LINK_REL)]
        if tag in _VOID:
            self.out.append(f"<{tag}{_attrs(pairs)}>")
            return
        element_id = next((v for k, v in pairs if k == "id"), "")  # nh3 keeps ids on divs only
        pairs = [(k, v) for k, v in pairs if k != "id"]
        if self.quote_depth is None and self.tail_depth is None:
            if element_id in OUTLOOK_QUOTE_IDS:
                self.tail_depth = len(self.stack)
                self.out.append(f'<details class="quoted"><summary>{SUMMARY}</summary>')
            elif element_id in OUTLOOK_SIGNATURE_IDS or self._is_signature(tag, pairs):
                self.quote_depth = len(self.stack)
                self.out.append(
                    f'<details class="signature"><summary>{SIGNATURE_SUMMARY}</summary>'
                )
            elif self._is_quote(tag, pairs):
                self.quote_depth = len(self.stack)
                self.out.append(f'<details class="quoted"><summary>{SUMMARY}</summary>')
        self.stack.append(tag)
        self.open[tag] += 1
        self.out.append(f"<{tag}{_attrs(pairs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self.open[tag]:
            return
        while self.stack:
            open_tag = self.stack.pop()
            self.open[open_tag] -= 1
            if self.tail_depth is not None and len(self.stack) < self.tail_depth:
                self.out.append("</details>")  # the Outlook quote's container ends
                self.tail_depth = None
            self.out.append(f"</{open_tag}>")
            if self.quote_depth is not None and len(self.stack) == self.quote_depth:
                self.out.append("</details>")
                self.quote_depth = None
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def close(self) -> None:
        super().close()
        while self.stack:
            self.handle_endtag(self.stack[-1])
        if self.tail_depth is not None:
            self.out.append("</details>")
            self.tail_depth = None

    @staticmethod
    def _is_quote(tag: str, pairs: list[tuple[str, str]]) -> bool:
        return tag == "blockquote" or (tag == "div" and bool(_classes(pairs) & QUOTE_CLASSES))

    @staticmethod
    def _is_signature(tag: str, pairs: list[tuple[str, str]]) -> bool:
        return tag in ("div", "pre") and bool(_classes(pairs) & SIGNATURE_CLASSES)

    def _image(self, pairs: list[tuple[str, str]]) -> str:
        src = next((v for k, v in pairs if k == "src"), "")
        alt = next((v for k, v in pairs if k == "alt"), "")
        rest = [(k, v) for k, v in pairs if k != "src"]
        if src.lower().startswith("cid:"):
            url = self.inline_images.get(src[4:].strip("<>").lower())
            if url:
                return f'<img src="{escape(url, quote=True)}"{_attrs(rest)}>'
            return _placeholder("image not available", alt)
        if src.lower().startswith(("http:", "https:")):
            self.remote += 1
            if self.load_remote:
                return f"<img{_attrs(pairs)}>"
            self.blocked += 1
            return _placeholder("remote image not loaded", alt)
        return _placeholder("image", alt)


def _classes(pairs: list[tuple[str, str]]) -> set[str]:
    return set(" ".join(v for k, v in pairs if k == "class").split())


def _placeholder(label: str, alt: str) -> str:
    text = f"[{label}: {alt}]" if alt.strip() else f"[{label}]"
    return f'<span class="image-placeholder">{escape(text, quote=False)}</span>'
