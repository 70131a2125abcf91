"""Connecting the mailbox once (authorization code with PKCE): the URL an admin opens,
then the code the provider sends back, exchanged for the refresh token we keep."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from sqlalchemy.orm import Session

from helpdesk.mailauth.providers import OAuthSettings
from helpdesk.mailauth.store import TokenStore
from helpdesk.mailauth.tokens import OAuthFailure, TokenSource, new_client


@dataclass(frozen=True)
class PendingConnect:
    """What the callback needs: kept in the admin's signed session or in the CLI's memory."""

    url: str
    state: str
    redirect_uri: str
    verifier: str = field(repr=False)


def start_connect(settings: OAuthSettings, redirect_uri: str) -> PendingConnect:
    """The provider's consent page URL, with a fresh state and PKCE (S256) challenge."""
    verifier = generate_token(64)
    with new_client(settings, redirect_uri=redirect_uri, code_challenge_method="S256") as client:
        url, state = client.create_authorization_url(
            settings.authorize_url, code_verifier=verifier, **dict(settings.authorize_params)
        )
    return PendingConnect(url, state, redirect_uri, verifier)


class ConnectRefused(Exception):
    """The answer does not belong to this Connect, or the provider said no."""


def code_from_answer(pending: PendingConnect, answer: str) -> str:
    """The code from a pasted redirect URL (its state checked) or from the code itself."""
    answer = answer.strip()
    if "?" not in answer and "=" not in answer:
        return answer
    query = parse_qs(urlsplit(answer).query)
    return check_callback(pending, query.get("state", [""])[0], query)


def check_callback(pending: PendingConnect, state: str, query: dict[str, list[str]]) -> str:
    """The code of a redirect back from the provider, once its state is this Connect's."""
    if not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise ConnectRefused("the answer is not for this Connect (state does not match)")
    if "error" in query:
        said = " ".join([*query["error"], *query.get("error_description", [])])
        raise ConnectRefused(f"the provider did not give access: {said[:300]}")
    codes = query.get("code", [])
    if not codes or not codes[0]:
        raise ConnectRefused("the answer has no code")
    return codes[0]


def finish_connect(
    settings: OAuthSettings,
    store: TokenStore,
    pending: PendingConnect,
    code: str,
    session: Session | None = None,
) -> None:
    """Exchange `code` (with the PKCE verifier) and store the refresh token, encrypted
    (in `session`, not committed, when given).

    Raises OAuthFailure when the provider refuses or hands out no refresh token."""
    source = TokenSource(settings, store)
    client_args = {"redirect_uri": pending.redirect_uri}
    answer = source.request_token(
        lambda c: c.fetch_token(
            settings.token_url,
            grant_type="authorization_code",
            code=code,
            code_verifier=pending.verifier,
            **client_args,
        )
    )
    refresh = answer.get("refresh_token")
    if not refresh:
        raise OAuthFailure(
            "the provider gave no refresh token: Microsoft needs the scope offline_access, "
            "Google access_type=offline (both are in the presets; check OAUTH_SCOPES)"
        )
    store.save_refresh(settings, str(refresh), connected=True, session=session)
