"""SMTP AUTH XOAUTH2 on an open smtplib connection (flask-mail has no OAuth)."""

from __future__ import annotations

import smtplib

from helpdesk.mailauth.tokens import OAuthFailure, TokenSource


def xoauth2_login(host: smtplib.SMTP, user: str, tokens: TokenSource) -> None:
    """Authenticate as `user`; a cached token the server refuses is replaced once.

    Raises OAuthFailure (no token) or OAuthFailure naming the mailbox (token refused)."""
    host.ehlo_or_helo_if_needed()  # auth() does not, and takes the 503 that follows for success
    for attempt in range(2):
        token = tokens.token()

        def answer(challenge: bytes | None = None, token: str = token) -> str:
            # the first call gives the initial response; a challenge is an error report,
            # answered empty so that the server ends the exchange with its code
            return f"user={user}\x01auth=Bearer {token}\x01\x01" if challenge is None else ""

        try:
            host.auth("XOAUTH2", answer)
            return
        except smtplib.SMTPAuthenticationError as exc:
            tokens.refused(token)
            if attempt:
                text = (
                    exc.smtp_error.decode(errors="replace")
                    if isinstance(exc.smtp_error, bytes)
                    else str(exc.smtp_error)
                )
                raise OAuthFailure(
                    f"the SMTP server refused the OAuth token for {user}: {exc.smtp_code} "
                    f"{text}; check that the app may send as this mailbox (Microsoft 365: "
                    "SMTP.SendAsApp and Add-MailboxPermission, SMTP AUTH enabled for it)"
                ) from None
