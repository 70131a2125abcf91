"""The demo's SMTP server: accepts every outgoing mail and keeps it as a .eml file."""

from __future__ import annotations

import itertools
import logging
import time
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from helpdesk.demo.mailbox import check_port_free

log = logging.getLogger("helpdesk.demo")


class SinkHandler:
    """aiosmtpd handler: writes `<folder>/<timestamp>-<n>.eml` and logs one line."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._counter)}.eml"
        (self.folder / name).write_bytes(content)
        headers = BytesHeaderParser(policy=policy.default).parsebytes(content)
        log.info("sent to %s: %s", ", ".join(envelope.rcpt_tos), headers.get("subject", ""))
        return "250 Message accepted for delivery"


def start_sink(host: str, port: int, folder: Path) -> Controller:
    """Start the sink on `host:port` (a free loopback port) and return its controller."""
    check_port_free(host, port, "SMTP server", "MAIL_PORT", "MAIL_SERVER")
    controller = Controller(SinkHandler(folder), hostname=host, port=port)
    controller.start()
    return controller
