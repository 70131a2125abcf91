"""Installing and configuring the helpdesk: what the wheel carries, an installed copy run
from an empty directory, and the environment file. scripts/wheel-smoke builds and installs
the real wheel (in CI)."""

from __future__ import annotations

import ast
import glob
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from helpdesk import settings
from tests import test_cli
from tests.poller_helpers import ROOT

# A CLI environment on a brand-new empty database (SQLite or PostgreSQL).
empty_db_env = test_cli.empty_db_env

PACKAGE = ROOT / "helpdesk"


def _shipped_files() -> set[str]:
    """The files of helpdesk/ that pyproject.toml's package-data puts in the wheel."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["helpdesk"]
    matched = (glob.glob(str(PACKAGE / pattern), recursive=True) for pattern in patterns)
    return {str(Path(path).relative_to(PACKAGE)) for paths in matched for path in paths}


@pytest.mark.parametrize("directory", ["templates", "static", "migrations"])
def test_the_wheel_ships_every_file_the_app_reads(directory: str) -> None:
    files = {
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / directory).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert files, f"helpdesk/{directory} is empty"
    assert not files - _shipped_files(), "add these to [tool.setuptools.package-data]"


def test_the_package_links_to_the_top_level_layout() -> None:
    """The repository keeps templates/, migrations/ and config.py at the top; the package
    carries them through symbolic links, which the wheel build replaces by the files."""
    for name, target in [
        ("templates", "templates"),
        ("migrations", "migrations"),
        ("settings.py", "config.py"),
    ]:
        assert (PACKAGE / name).resolve() == (ROOT / target).resolve()


def test_no_code_imports_a_top_level_config() -> None:
    """The wheel has no top-level `config` module: code imports `helpdesk.settings`."""
    offenders = []
    for path in [*ROOT.glob("helpdesk/**/*.py"), *ROOT.glob("mail_ingest/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(name == "config" or name.startswith("config.") for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def _installed_copy(tmp_path: Path, without: tuple[str, ...] = ()) -> Path:
    """helpdesk/ and mail_ingest/ laid out as the wheel installs them (links followed)."""
    site = tmp_path / "site-packages"
    ignore = shutil.ignore_patterns("__pycache__", *without)
    shutil.copytree(PACKAGE, site / "helpdesk", ignore=ignore)
    shutil.copytree(ROOT / "mail_ingest", site / "mail_ingest", ignore=ignore)
    assert not any(path.is_symlink() for path in site.rglob("*"))
    return site


def _run(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


SIGN_IN_PAGE = """
from helpdesk import create_app
client = create_app().test_client()
page = client.get("/login")
print(page.status_code, "<h1>Sign in</h1>" in page.get_data(as_text=True))
print(client.get("/static/app.css").status_code)
"""


def test_an_installed_copy_runs_from_an_empty_directory(
    empty_db_env: dict[str, str], tmp_path: Path
) -> None:
    site = _installed_copy(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    url = make_url(empty_db_env.pop("DATABASE_URL"))
    if url.get_backend_name() == "postgresql":  # the test server trusts any password
        url = url.set(password="never-shown")
    env_file = tmp_path / "helpdesk.env"
    env_file.write_text(f"DATABASE_URL={url.render_as_string(hide_password=False)}\n")
    env = {**empty_db_env, "PYTHONPATH": str(site)}

    upgrade = _run(["-m", "helpdesk.cli", "--env-file", str(env_file), "db", "upgrade"], env, empty)
    assert upgrade.returncode == 0, upgrade.stderr
    assert f"Database: {url.render_as_string(hide_password=True)} " in upgrade.stderr
    assert "never-shown" not in upgrade.stdout + upgrade.stderr
    env["HELPDESK_ENV_FILE"] = str(env_file)
    user = ["-m", "helpdesk.cli", "users", "create", "a@procase.com", "--name", "A"]
    created = _run([*user, "--password", "a long password"], env, empty)
    assert created.returncode == 0, created.stderr
    page = _run(["-c", SIGN_IN_PAGE], env, empty)
    assert page.stdout.split() == ["200", "True", "200"], page.stderr
    where = _run(["-c", "import helpdesk; print(helpdesk.__file__)"], env, empty)
    assert where.stdout.strip() == str(site / "helpdesk" / "__init__.py")
    assert list(empty.iterdir()) == []


def test_an_install_without_its_templates_stops_in_one_line(
    empty_db_env: dict[str, str], tmp_path: Path
) -> None:
    site = _installed_copy(tmp_path, without=("templates",))
    result = _run(
        ["-m", "helpdesk.cli", "db", "upgrade"], {**empty_db_env, "PYTHONPATH": str(site)}, tmp_path
    )
    assert result.returncode == 2
    templates = site / "helpdesk" / "templates"
    assert (
        result.stderr
        == f"Error: {templates} is missing: the helpdesk is not completely installed\n"
    )


def test_production_without_database_url_says_so_in_one_line(
    empty_db_env: dict[str, str],
) -> None:
    env = {k: v for k, v in empty_db_env.items() if k != "DATABASE_URL"}
    env.update(HELPDESK_ENV="production", SECRET_KEY="s", HELPDESK_SUPPORT_ADDRESS="a@b.c")
    result = test_cli.helpdesk(["db", "upgrade"], env)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: DATABASE_URL must be set in production")
    assert result.stderr.count("\n") == 1
    instance = Path(env["HELPDESK_INSTANCE_PATH"])
    assert not instance.exists()  # no SQLite file was made


def test_an_unreadable_environment_file_says_so_in_one_line(
    empty_db_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.env"
    result = test_cli.helpdesk(
        ["db", "upgrade"], {**empty_db_env, "HELPDESK_ENV_FILE": str(missing)}
    )
    assert result.returncode == 2
    expected = f"Error: HELPDESK_ENV_FILE={missing} cannot be read: No such file or directory\n"
    assert result.stderr == expected
    option = test_cli.helpdesk(["--env-file", str(missing), "db", "upgrade"], empty_db_env)
    assert option.returncode == 2 and "does not exist" in option.stderr
    assert "Traceback" not in option.stderr


def test_the_environment_wins_over_the_environment_file(
    empty_db_env: dict[str, str], tmp_path: Path
) -> None:
    """The file supplies what is unset; a variable set in the environment is kept."""
    env_file = tmp_path / "helpdesk.env"
    env_file.write_text(f"DATABASE_URL=sqlite:///{tmp_path}/from-file.sqlite3\n")
    env = {**empty_db_env, "HELPDESK_ENV_FILE": str(env_file)}
    result = test_cli.helpdesk(["db", "upgrade"], env)
    assert result.returncode == 0, result.stderr
    shown = make_url(env["DATABASE_URL"]).render_as_string(hide_password=True)
    assert f"Database: {shown} " in result.stderr
    assert not (tmp_path / "from-file.sqlite3").exists()
    del env["DATABASE_URL"]
    assert test_cli.helpdesk(["db", "upgrade"], env).returncode == 0
    assert (tmp_path / "from-file.sqlite3").exists()


def test_the_example_environment_file_names_every_setting_and_runs() -> None:
    example = ROOT / "deploy" / "helpdesk.env.example"
    text = example.read_text()
    unlisted = [name for name in settings.variable_names() if f"\n{name}=" not in text]
    unlisted = [name for name in unlisted if f"\n#{name}=" not in text]
    assert unlisted == ["HELPDESK_ENV_FILE"]  # the one that names the file
    config = settings.load_config(environ={"HELPDESK_ENV_FILE": str(example)})
    assert config["HELPDESK_ENV"] == "production" and config["IMAP_SSL"] == "true"
    assert config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"
    settings.check_config(config)


def test_no_database_and_no_folder_for_sqlite_says_so_in_one_line(
    empty_db_env: dict[str, str], tmp_path: Path
) -> None:
    """An install whose instance folder cannot be made (a root-owned virtualenv) and no
    environment file: one line, not a traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {k: v for k, v in empty_db_env.items() if k != "DATABASE_URL"}
    env["HELPDESK_INSTANCE_PATH"] = str(blocker / "instance")
    result = test_cli.helpdesk(["db", "upgrade"], env)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: DATABASE_URL is not set and the folder for a SQLite")
    assert result.stderr.count("\n") == 1


def test_the_readme_configuration_table_names_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    assert [name for name in settings.variable_names() if f"`{name}`" not in readme] == []
