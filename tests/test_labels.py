"""Every key a person can see has words written for it in helpdesk/labels.py."""

from __future__ import annotations

import pytest

from helpdesk import labels


@pytest.mark.parametrize("kind", sorted(labels.KINDS))
def test_every_key_has_a_written_label(kind: str) -> None:
    written, keys = labels.KINDS[kind]
    missing = [key for key in keys if key not in written]
    assert not missing, f"{kind}: no label for {missing}"
    assert not set(written) - set(keys), f"{kind}: labels for keys that do not exist"


@pytest.mark.parametrize("kind", sorted(labels.KINDS))
def test_no_label_is_a_key(kind: str) -> None:
    written, _ = labels.KINDS[kind]
    for key, words in written.items():
        assert "_" not in words and words != key, (kind, key, words)


def test_unknown_key_reads_as_words() -> None:
    assert labels.label("back_in_stock", "category") == "Back in stock"
    assert labels.label(None, "status") == ""


def test_choices_keep_the_vocabulary_order() -> None:
    assert labels.choices("status")[0] == ("new", "New")
