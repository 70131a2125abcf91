"""helpdesk.htmlcap: regular, bounded markup from any HTML (pure, no app)."""

from __future__ import annotations

import random
import re

import pytest

from helpdesk.htmlcap import MAX_ATTRIBUTES, MAX_HTML_DEPTH, cap_html
from helpdesk.tickets.sanitize import CUT_NOTE, SanitizedCache, clean_mail_html
from mail_ingest.parse import html_to_text

TAG = re.compile(r"<(/?)([a-z][a-z0-9:_-]*)")


def depth_of(markup: str) -> int:
    depth = deepest = 0
    for closing, _name in TAG.findall(markup):
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


def test_ordinary_html_is_unchanged_in_meaning() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style></head>"
        '<body><!-- note --><p class="x" title=\'a "b"\'>Hello &amp; <b>welcome</b></p>'
        "<ul><li>one<li>two</ul><script>alert(1)</script><textarea>a<b</textarea></body></html>"
    )
    capped = cap_html(html)
    assert not capped.changed
    assert capped.markup == (
        "<html><head><title></title><style></style></head><body>"
        '<p class="x" title="a &quot;b&quot;">Hello &amp; <b>welcome</b></p>'
        "<ul><li>one<li>two</ul><script></script><textarea>a&lt;b</textarea></body></html>"
    )
    assert html_to_text(capped.markup) == "Hello & welcome\n\n- one\n- two\na<b"


def test_nesting_beyond_the_depth_limit_is_flattened_text_kept() -> None:
    html = "<div>" * 3_000 + "deep text" + "</div>" * 3_000 + "<p>after</p>"
    capped = cap_html(html)
    assert capped.flattened and not capped.cut
    assert depth_of(capped.markup) == MAX_HTML_DEPTH
    assert capped.markup.count("<div>") == MAX_HTML_DEPTH
    assert "deep text" in capped.markup and capped.markup.endswith("<p>after</p>")


def test_implied_ends_do_not_count_as_nesting() -> None:
    html = "<ul>" + "<li>item" * 1_000 + "</ul>" + "<p>para" * 1_000
    capped = cap_html(html)
    assert not capped.changed
    assert capped.markup.count("<li>") == 1_000 and capped.markup.count("<p>") == 1_000


@pytest.mark.parametrize(
    ("html", "max_len"),
    [
        ("<!--" * 50_000, 0),  # unclosed comments: the rest is one comment
        ("<a " * 50_000, 0),  # a tag never closed by ">"
        ('<a title="x' * 50_000, 0),  # an attribute value never closed
        ("</" * 50_000, 0),
        ("<!" * 50_000, 0),
        ("<?" * 50_000, 0),
        ("<style>" * 50_000, len("<style></style>")),
    ],
)
def test_unfinished_constructs_cost_one_pass(html: str, max_len: int) -> None:
    assert len(cap_html(html).markup) <= max_len


def test_output_is_bounded_by_size_and_by_tags() -> None:
    long = cap_html("<p>" + "x" * 50, max_chars=20)
    assert long.cut and long.markup == "<p>" + "x" * 17
    many = cap_html("<b>x</b>" * 1_000, max_tags=100)
    assert many.cut and many.markup.count("<b>") == 50
    refs = cap_html("&lt;" * 1_000 + "<" * 1_000, max_tags=100)
    assert refs.cut and refs.markup == "&lt;" * 100


def test_attributes_are_quoted_and_capped() -> None:
    attrs = " ".join(f"a{i}=v{i}" for i in range(MAX_ATTRIBUTES + 10))
    capped = cap_html(f"<div {attrs} onclick='x>y'>text</div>")
    assert capped.flattened
    assert capped.markup.count('="') == MAX_ATTRIBUTES
    assert capped.markup.endswith(">text</div>") and "onclick" not in capped.markup


def test_sanitizer_caps_and_notes_what_it_cut() -> None:
    clean = clean_mail_html("<blockquote>" * 20_000 + "quoted")
    assert clean.markup.startswith('<p class="cut-note">')
    assert CUT_NOTE in clean.markup and "quoted" in clean.markup
    assert clean.markup.count("<blockquote>") <= MAX_HTML_DEPTH
    assert "cut-note" not in clean_mail_html("<p>short</p>").markup


def test_sanitized_cache_is_keyed_by_input_and_bounded() -> None:
    cache = SanitizedCache(max_entries=2)
    first = cache.clean("<p>one</p>", load_remote=False)
    assert cache.clean("<p>one</p>", load_remote=False) is first
    images = {"a@b": "/attachments/1/inline"}
    with_image = cache.clean('<img src="cid:a@b">', inline_images=images, load_remote=False)
    assert "/attachments/1/inline" in with_image.markup
    other_url = cache.clean('<img src="cid:a@b">', inline_images={"a@b": "/x"}, load_remote=False)
    assert other_url is not with_image and "/x" in other_url.markup
    assert len(cache._items) == 2  # the oldest entry was dropped
    assert cache.clean("<p>one</p>", load_remote=False) is not first


def test_unquoted_values_and_self_closing_tags() -> None:
    capped = cap_html("<a href=http://x.com/?a=1&amp;b=2 title='q'>x</a><br/><img src=a.png>")
    assert capped.markup == (
        '<a href="http://x.com/?a=1&amp;b=2" title="q">x</a><br><img src="a.png">'
    )


REGULAR = re.compile(
    r'(?:[^<]|<[a-z][a-z0-9:_-]*(?: [a-zA-Z_:][-a-zA-Z0-9_:.]*="[^"<>]*")*>|</[a-z][a-z0-9:_-]*>)*'
)


def test_any_input_gives_regular_markup() -> None:
    rng = random.Random(9)
    atoms = ["<", ">", "</", "<!--", "-->", "<!", "<?", '"', "'", "=", " ", "a", "div",
             "p", "li", "td", "script", "style", "textarea", "&", "&amp;", "\xa0", "/"]  # fmt: skip
    for _ in range(2_000):
        html = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 200)))
        capped = cap_html(html, max_tags=rng.choice([5, 10_000]), max_depth=rng.choice([2, 100]))
        assert REGULAR.fullmatch(capped.markup), html
