"""Attaching files in the composer of a real browser: the agent chooses a file, ticks the
customer's photo to send it back and Cc's the warehouse; the ticket shows both files under
our reply, downloadable, and the SMTP server receives them intact. A file over the limit
is refused at the composer with the text kept."""

from __future__ import annotations

import email
from email import policy as email_policy
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user
from tests.mailfactory import make_mail
from tests.outbox_helpers import send_now
from tests.poller_helpers import make_poller

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LABEL = b"%PDF-1.4\n" + bytes(reversed(range(256))) * 40 + b"\n%%EOF\n"


def test_agent_attaches_a_file_and_sees_it_on_the_ticket(  # type: ignore[no-untyped-def]
    page, app: Flask, web_app: Flask, session: Session, imap_server, smtp, tmp_path: Path
) -> None:
    agent = make_user(session, "agent")
    imap_server.append(
        make_mail(
            subject="Cracked case",
            sender=("Dana Reyes", "dana@example.com"),
            message_id="dana-1@example.com",
            attachments=[("crack.png", "image/png", PHOTO)],
        )
    )
    assert make_poller(app, imap_server).run_once().outcomes == {"ticket": 1}
    session.rollback()
    label = tmp_path / "return-label.pdf"
    label.write_bytes(LABEL)

    sign_in(page, agent.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/tickets/1001")
    page.locator("#reply-text").fill("Your return label is attached.")
    page.get_by_label("Cc (also receives the reply").fill("warehouse@procase.com")
    page.get_by_label("Attach files").set_input_files(str(label))
    page.get_by_label("crack.png (2.0 KB)").check()
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply to #1001 is queued for sending.").is_visible()

    ours = page.locator("article.message.outbound").filter(has_text="Your return label")
    assert ours.get_by_role("link", name="Download return-label.pdf").is_visible()
    assert ours.get_by_role("link", name="Download crack.png").is_visible()
    assert "Cc warehouse@procase.com" in ours.inner_text()
    assert "warehouse@procase.com" in page.locator(".ticket-cc").inner_text()
    with page.expect_download() as download:
        ours.get_by_role("link", name="Download return-label.pdf").click()
    assert Path(download.value.path()).read_bytes() == LABEL

    session.rollback()
    assert send_now(session)["sent"] == 2  # the acknowledgement and the reply
    sent = [email.message_from_bytes(raw, policy=email_policy.default) for raw in smtp.wait_for(2)]
    (reply,) = [m for m in sent if m.get_content_type() == "multipart/mixed"]
    assert reply["Cc"] == "warehouse@procase.com"
    files = [(p.get_filename(), p.get_payload(decode=True)) for p in reply.iter_attachments()]
    assert files == [("return-label.pdf", LABEL), ("crack.png", PHOTO)]

    # Over the per-file limit: the reason at the composer, the text kept.
    web_app.config.update(REPLY_MAX_FILE_BYTES=1000)
    page.locator("#reply-text").fill("A second try.")
    page.get_by_label("Attach files").set_input_files(str(label))
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply was not sent: The file 'return-label.pdf'").is_visible()
    assert page.locator("#reply-text").input_value().strip() == "A second try."
    assert page.get_by_text("The 1 file you chose was not sent: choose it again.").is_visible()
