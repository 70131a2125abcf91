"""Pure parts of a safe first connection: the day the customer wrote, forged and spam mail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from helpdesk.settings import ConfigError, load_config
from mail_ingest.authres import NO_ID, parse_authentication_results
from mail_ingest.dates import CLOCK_SKEW, TRANSIT, first_contact, plausible_date
from mail_ingest.parse import parse_mail
from mail_ingest.rules import Context, suspect_reasons
from mail_ingest.settings import IngestSettings
from tests.mailfactory import make_mail

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("written", "received", "believed"),
    [
        (NOW - 3 * H, [], True),  # no trail: any past date
        (NOW - 400 * 24 * H, [], True),
        (NOW + CLOCK_SKEW, [], True),  # a sender's clock a little ahead
        (NOW + CLOCK_SKEW + timedelta(seconds=1), [], False),  # the future
        (None, [], False),
        (NOW - 72 * H, [NOW - 72 * H + timedelta(seconds=5)], True),  # an old mail, its trail
        (NOW - 72 * H, [NOW - 72 * H + 20 * H], True),  # written offline, sent later
        (NOW - 72 * H, [NOW - 72 * H + TRANSIT + H], False),  # long before it travelled
        (datetime(1980, 1, 1, tzinfo=UTC), [NOW - H], False),  # a phone set to 1980
        (NOW - H, [NOW - 3 * H], False),  # written after it arrived
        (NOW - 3 * H + CLOCK_SKEW, [NOW - 3 * H], True),
        # a forged old Received lower down does not make an old date believable
        (NOW - 40 * 24 * H, [NOW - H, NOW - 40 * 24 * H], False),
        (datetime(1999, 12, 31, tzinfo=UTC), [], False),  # a clock never set
        # hostile years in Received headers: compared, never overflowing
        (NOW - H, [datetime(9999, 12, 31, 23, 59, tzinfo=UTC)], False),
        (NOW - H, [datetime(100, 1, 1, tzinfo=UTC)], False),
        # other offsets compare as instants
        (
            datetime(2026, 12, 3, 4, 0, tzinfo=UTC).astimezone(timezone(timedelta(hours=-8))),
            [datetime(2026, 12, 3, 4, 1, tzinfo=UTC)],
            True,
        ),
    ],
)
def test_plausible_date(written: datetime | None, received: list[datetime], believed: bool) -> None:
    assert plausible_date(written, received, NOW) == (written if believed else None)


def test_first_contact_is_the_date_in_utc_or_now() -> None:
    old = parse_mail(make_mail(date="Mon, 30 Nov 2026 19:12:40 -0800"))
    assert first_contact(old, NOW) == datetime(2026, 12, 1, 3, 12, 40, tzinfo=UTC)
    assert first_contact(old, NOW).utcoffset() == timedelta(0)
    assert first_contact(parse_mail(make_mail(date=NOW + 2 * 24 * H)), NOW) == NOW
    assert first_contact(parse_mail(make_mail(date=NOW + CLOCK_SKEW)), NOW) == NOW  # never later
    assert first_contact(parse_mail(make_mail(date="not a date")), NOW) == NOW


@pytest.mark.parametrize(
    ("value", "authserv_id", "results"),
    [
        (
            "mx.store.com; spf=fail smtp.mailfrom=a.example; dkim=none; dmarc=fail",
            "mx.store.com",
            (("spf", "fail"), ("dkim", "none"), ("dmarc", "fail")),
        ),
        (  # version number, comments with ; and =, quoted reason, other case, folding
            "MX.Store.COM 1 (comment; spf=pass);\tSPF=Fail (not (nested) permitted) "
            'smtp.mailfrom=a.example;  DKIM/1=Pass header.d=a.example; dmarc=FAIL reason="a;b=c"',
            "mx.store.com",
            (("spf", "fail"), ("dkim", "pass"), ("dmarc", "fail")),
        ),
        ("mx.google.com; none", "mx.google.com", ()),
        (  # Microsoft 365 writes no authserv-id
            "spf=fail (sender IP is 198.51.100.1) smtp.mailfrom=a.example; dkim=none "
            "(message not signed) header.d=none;dmarc=fail action=quarantine "
            "header.from=a.example;compauth=fail reason=000",
            NO_ID,
            (("spf", "fail"), ("dkim", "none"), ("dmarc", "fail"), ("compauth", "fail")),
        ),
        ("mx.store.com; dmarc", "mx.store.com", ()),  # no result: skipped
        ('mx.store.com; x-note="dmarc=fail"', "mx.store.com", ()),  # a quoted value
    ],
)
def test_authentication_results_are_read(value: str, authserv_id: str, results: tuple) -> None:
    read = parse_authentication_results(value)
    assert read is not None and (read.authserv_id, read.results) == (authserv_id, results)


@pytest.mark.parametrize("value", ["", "   ", "(only a comment)", "garbage without results"])
def test_authentication_results_without_results_from_nobody_are_none(value: str) -> None:
    read = parse_authentication_results(value)
    assert read is None or read.results == ()


TRUSTED = Context(
    frozenset({"support@procase.com"}), "helpdesk.procase.com", frozenset({"mx.procase.com", NO_ID})
)


def _suspect(headers: list[tuple[str, str]], ctx: Context = TRUSTED) -> list[str]:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return suspect_reasons(parse_mail(head.encode() + make_mail()), ctx)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([], None),
        ([("Authentication-Results", "mx.procase.com; spf=pass; dkim=pass; dmarc=pass")], None),
        (
            [("Authentication-Results", "mx.procase.com; spf=pass; dmarc=fail")],
            "the sender failed DMARC at mx.procase.com",
        ),
        (
            [("Authentication-Results", "mx.procase.com; spf=fail; dkim=none")],
            "the sender failed SPF at mx.procase.com, with no DKIM signature passing",
        ),
        ([("Authentication-Results", "mx.procase.com; spf=fail; dkim=pass")], None),
        ([("Authentication-Results", "mx.procase.com; spf=softfail; dmarc=none")], None),
        # anyone can write a header naming another server, or ours lower down
        ([("Authentication-Results", "mx.evil.example; dmarc=fail")], None),
        (
            [
                ("Authentication-Results", "mx.procase.com; dmarc=pass"),
                ("Received", "from a by mx.procase.com; Thu, 03 Dec 2026 11:00:00 +0000"),
                ("Authentication-Results", "mx.procase.com; dmarc=fail"),
            ],
            None,
        ),
        (
            [
                (
                    "Authentication-Results",
                    "spf=none smtp.mailfrom=a.example;dmarc=fail action=reject",
                )
            ],
            "the sender failed DMARC at microsoft365",
        ),
        ([("X-Spam-Flag", "YES")], "a spam filter marked it as spam (X-Spam-Flag: yes)"),
        ([("X-Spam-Flag", "NO")], None),
        (
            [("X-Spam-Status", "Yes, score=7.2 required=5.0 tests=BAYES_99")],
            "a spam filter marked it as spam (X-Spam-Status: yes)",
        ),
        ([("X-Spam-Status", "No, score=-0.1 required=5.0")], None),
        ([("X-Spam", "Yes")], "a spam filter marked it as spam (X-Spam: yes)"),
        ([("X-Spam", "yesterday")], None),
    ],
)
def test_suspect_rules(headers: list[tuple[str, str]], reason: str | None) -> None:
    assert _suspect(headers) == ([reason] if reason else [])


def test_no_trusted_servers_means_only_spam_flags_count() -> None:
    nobody = Context(frozenset(), "helpdesk.procase.com")
    assert _suspect([("Authentication-Results", "mx.procase.com; dmarc=fail")], nobody) == []
    assert _suspect([("X-Spam-Flag", "YES")], nobody) != []


def test_settings_read_the_new_variables() -> None:
    config = load_config(
        "production",
        environ={
            "HELPDESK_ACK_MAX_AGE_HOURS": "48",
            "HELPDESK_TRUSTED_AUTHSERV_IDS": " MX.procase.com, mx.google.com ,,",
            "IMAP_INGEST_SINCE": "2026-11-01",
        },
    )
    settings = IngestSettings.from_config(config)
    assert settings.ack_max_age == timedelta(hours=48)
    assert settings.trusted_authserv_ids == {"mx.procase.com", "mx.google.com"}
    # midnight at the store (America/Los_Angeles, UTC-7 on that day)
    assert settings.ingest_since == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    assert config["IMAP_INGEST_SINCE"] == date(2026, 11, 1)
    defaults = IngestSettings.from_config(load_config("production", environ={}))
    assert defaults.ack_max_age == timedelta(hours=24) and defaults.ingest_since is None
    assert defaults.trusted_authserv_ids == frozenset()
    off = load_config("production", environ={"HELPDESK_ACK_MAX_AGE_HOURS": "0"})
    assert IngestSettings.from_config(off).ack_max_age is None


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "01/11/2026"])
def test_a_bad_ingest_since_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match="IMAP_INGEST_SINCE"):
        load_config("production", environ={"IMAP_INGEST_SINCE": value})
