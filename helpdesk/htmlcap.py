"""Bound what any HTML can cost before a real parser sees it (pure: stdlib only).

`cap_html` makes one linear pass over at most MAX_HTML_CHARS characters and at most
MAX_HTML_TAGS tags, attributes and character references (the units of work Python's
parser spends Python code on), and writes plain, regular markup: no comments, doctypes or processing
instructions, no script or style contents, every tag closed by `>` with quoted attributes
(at most MAX_ATTRIBUTES a tag), and every other `<` escaped. Elements nested deeper than
MAX_HTML_DEPTH are flattened: their tags are dropped, their text kept (so are attributes
beyond MAX_ATTRIBUTES a tag). What follows the
size or tag limit is cut. Python's `html.parser` and nh3 are linear on such markup (they
are not on the raw input: an unclosed `<!--` repeated makes `html.parser` quadratic, deep
nesting makes the sanitizer's tree work quadratic).

Nesting is counted the way browsers build the tree closely enough for a limit: void
elements do not nest, and a new `<p>`, `<li>`, `<td>`, `<tr>`… closes the open one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

MAX_HTML_CHARS = 1_000_000
MAX_HTML_TAGS = 10_000  # tags, attributes and character references
MAX_HTML_DEPTH = 100
MAX_ATTRIBUTES = 50

VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()  # noqa: SIM905
)
# Raw text elements: their contents are not markup. Dropped (both readers drop them
# anyway) or kept as escaped text.
_RAW_DROPPED = frozenset("script style iframe noembed noframes noscript title".split())  # noqa: SIM905
_RAW_TEXT = frozenset(["textarea", "xmp"])
_P_CLOSERS = frozenset(
    """address article aside blockquote center details dialog dir div dl fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section
    summary table ul li dd dt""".split()  # noqa: SIM905
)
# A start tag closes these while they are the innermost open element.
_IMPLIED_END: dict[str, frozenset[str]] = {
    "li": frozenset(["li", "p"]),
    "dd": frozenset(["dd", "dt", "p"]),
    "dt": frozenset(["dd", "dt", "p"]),
    "tr": frozenset(["td", "th", "tr"]),
    "td": frozenset(["td", "th"]),
    "th": frozenset(["td", "th"]),
    "tbody": frozenset(["td", "th", "tr", "tbody", "thead", "tfoot"]),
    "thead": frozenset(["td", "th", "tr", "tbody", "thead", "tfoot"]),
    "tfoot": frozenset(["td", "th", "tr", "tbody", "thead", "tfoot"]),
    "option": frozenset(["option"]),
}

_MARKUP_RE = re.compile(r"<[a-zA-Z/!?]")
_NAME_RE = re.compile(r"[a-zA-Z][^\s/>\x00]*")
# A start tag: its name, then its attributes up to the `>` (quoted values may hold `>`).
# Never fails; an unclosed quote stops it before the quote (the rest of the input is then
# inside the tag, which browsers drop).
_START_RE = re.compile(r"""([a-zA-Z][^\s/>\x00]*)((?:[^>"']+|"[^"]*"|'[^']*')*)""")
_ATTR_RE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>`]+))?""")
_SAFE_NAME_RE = re.compile(r"[a-z][a-z0-9:_-]*\Z")
_SAFE_ATTR_RE = re.compile(r"[a-zA-Z_:][-a-zA-Z0-9_:.]*\Z")
# Characters a parser or serializer handles one by one, as a character reference.
_REF_RE = re.compile("[&<>\xa0]")


@dataclass(frozen=True)
class CappedHtml:
    """Regular markup, and whether anything was cut (size, tags) or flattened (depth)."""

    markup: str
    cut: bool
    flattened: bool

    @property
    def changed(self) -> bool:
        return self.cut or self.flattened


@lru_cache(maxsize=32)
def _raw_end(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}(?=[\s/>]|\Z)", re.IGNORECASE)


class _Capper:
    """One pass: the output, the open elements, what was dropped and the budget left."""

    def __init__(self, max_tags: int, max_depth: int) -> None:
        self.max_depth = max_depth
        self.budget = max_tags  # tags and character references still allowed
        self.out: list[str] = []
        self.stack: list[str] = []
        self.open: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()  # start tags dropped for depth, by name
        self.cut = False
        self.flattened = False

    def spend(self, cost: int) -> bool:
        """Spend `cost` of the budget; False (and cut) when it is exhausted."""
        self.budget -= cost
        if self.budget < 0:
            self.cut = True
        return self.budget >= 0

    def text(self, data: str) -> None:
        refs = data.count("&") + data.count("<") + data.count(">") + data.count("\xa0")
        if refs > self.budget:  # keep the text up to the last reference allowed
            found = _REF_RE.finditer(data)
            stop = next(m for i, m in enumerate(found) if i == self.budget).start()
            data = data[:stop]
            self.cut = True
        self.budget -= refs
        self.out.append(data.replace("<", "&lt;"))

    def attributes(self, source: str) -> str:
        seen: set[str] = set()
        out = []
        for match in _ATTR_RE.finditer(source):
            name = match.group(1).lower()
            if name in seen or not _SAFE_ATTR_RE.match(name):
                continue
            seen.add(name)
            value = match.group(2) or ""
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            # Each attribute and each reference in it is parser work: spent from the budget.
            self.budget -= 1 + sum(value.count(c) for c in '&<>"')
            value = value.replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(f' {name}="{value}"')
            if len(out) >= MAX_ATTRIBUTES:
                self.flattened = True  # the rest are dropped
                break
        return "".join(out)

    def start(self, name: str, attrs: str) -> None:
        if name in VOID:
            self.out.append(f"<{name}{attrs}>")
            return
        closes = _IMPLIED_END.get(name) or (_P_ONLY if name in _P_CLOSERS else None)
        while closes and self.stack and self.stack[-1] in closes:
            self.open[self.stack.pop()] -= 1
        if len(self.stack) >= self.max_depth:
            self.dropped[name] += 1
            self.flattened = True
            return
        self.stack.append(name)
        self.open[name] += 1
        self.out.append(f"<{name}{attrs}>")

    def end(self, name: str) -> None:
        if self.dropped[name]:
            self.dropped[name] -= 1
            return
        if self.open[name]:
            while True:
                top = self.stack.pop()
                self.open[top] -= 1
                if top == name:
                    break
        self.out.append(f"</{name}>")


_P_ONLY = frozenset(["p"])


def cap_html(
    markup: str,
    *,
    max_chars: int = MAX_HTML_CHARS,
    max_tags: int = MAX_HTML_TAGS,
    max_depth: int = MAX_HTML_DEPTH,
) -> CappedHtml:
    """Regular, bounded markup for `markup` (see the module docstring)."""
    capper = _Capper(max_tags, max_depth)
    if len(markup) > max_chars:
        markup = markup[:max_chars]
        capper.cut = True
    pos, n = 0, len(markup)
    while pos < n and capper.budget >= 0:
        found = _MARKUP_RE.search(markup, pos)
        if found is None:
            capper.text(markup[pos:])
            break
        start = found.start()
        if start > pos:
            capper.text(markup[pos:start])
        if not capper.spend(1):
            break
        pos = _tag(markup, start, capper)
    return CappedHtml("".join(capper.out), capper.cut, capper.flattened)


def _tag(markup: str, start: int, capper: _Capper) -> int:
    """Handle the tag (or comment…) at `start`; return where the text after it starts."""
    n = len(markup)
    second = markup[start + 1]
    if second in "!?":  # comment (to "-->"), doctype, CDATA or bogus comment: dropped
        if markup.startswith("<!--", start):
            end = markup.find("-->", start + 2)
            return n if end < 0 else end + 3
        end = markup.find(">", start + 2)
        return n if end < 0 else end + 1
    if second == "/":
        end = markup.find(">", start + 2)
        if end < 0:
            return n  # a tag still open at the end is dropped, as browsers do
        name = _NAME_RE.match(markup, start + 2, end)
        if name is not None and _SAFE_NAME_RE.match(lowered := name.group().lower()):
            capper.end(lowered)
        return end + 1
    tag = _START_RE.match(markup, start + 1)
    assert tag is not None  # _MARKUP_RE found a letter after "<"
    end = tag.end()
    if end >= n or markup[end] != ">":
        return n  # unclosed tag or quote: the rest of the input is inside it
    lowered = tag.group(1).lower()
    if not _SAFE_NAME_RE.match(lowered):
        return end + 1
    if lowered in _RAW_DROPPED or lowered in _RAW_TEXT:
        return _raw(markup, end + 1, lowered, capper)
    source = tag.group(2)
    capper.start(lowered, capper.attributes(source) if source.strip(" /\t\r\n\f") else "")
    return end + 1


def _raw(markup: str, pos: int, name: str, capper: _Capper) -> int:
    """A raw text element from `pos`: its contents dropped or kept as text."""
    close = _raw_end(name).search(markup, pos)
    capper.start(name, "")
    if name in _RAW_TEXT:
        capper.text(markup[pos : close.start() if close else len(markup)])  # RCDATA
    capper.end(name)
    if close is None:
        return len(markup)
    end = markup.find(">", close.end())
    return len(markup) if end < 0 else end + 1
