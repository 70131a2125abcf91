"""Migration 0012 rewords the seeded reply templates an admin has not edited (SQLite and
PostgreSQL), and its frozen texts are the 0003 seed and today's defaults."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from sqlalchemy import text

from helpdesk.replies.defaults import DEFAULT_TEMPLATES
from tests.migration_helpers import upgrade_holding
from tests.test_cli import ROOT, empty_db_env, helpdesk

__all__ = ["empty_db_env"]

EDITED = "Hello,\n\nOur own words, written by an admin.\n"


def _migration(name: str) -> ModuleType:
    path = ROOT / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_0003_with_0012_gives_the_defaults() -> None:
    seeded = _migration("0003_reply_templates.py")
    reworded = _migration("0012_template_wording.py")
    assert (reworded.revision, reworded.down_revision) == ("0012", "0011")
    bodies = {key: body for key, _name, _category, body in seeded.TEMPLATES}
    for key, before, after in reworded.CHANGES:
        assert bodies[key] == before, key
        bodies[key] = after
    assert bodies == {key: body for key, _name, _category, body in DEFAULT_TEMPLATES}


def test_0012_updates_only_unedited_templates(empty_db_env: dict[str, str]) -> None:
    edit = f"UPDATE reply_template SET body = '{EDITED}' WHERE key = 'exchange_not_eligible'"
    engine = upgrade_holding(empty_db_env, "0011", [edit])
    defaults = {key: body for key, _name, _category, body in DEFAULT_TEMPLATES}
    query = text("SELECT key, body FROM reply_template")
    try:
        with engine.connect() as conn:
            bodies = {key: body for key, body in conn.execute(query)}
        assert bodies["return_eligible_refund"] == defaults["return_eligible_refund"]
        assert "at your own cost" not in bodies["return_eligible_refund"]
        assert bodies["return_not_eligible"] == defaults["return_not_eligible"]
        assert "reasons" not in bodies["return_not_eligible"]
        assert bodies["exchange_not_eligible"] == EDITED  # an admin's text is theirs
        downgraded = helpdesk(["db", "downgrade", "0011"], empty_db_env)
        assert downgraded.returncode == 0, downgraded.stderr
        with engine.connect() as conn:
            before = {key: body for key, body in conn.execute(query)}
        assert "at your own cost" in before["return_eligible_refund"]
        assert "{{ reasons }}" in before["return_not_eligible"]
        assert before["exchange_not_eligible"] == EDITED
    finally:
        engine.dispose()
