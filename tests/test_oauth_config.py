"""OAuth settings: what check_config refuses, and what each provider preset means (pure)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from helpdesk.mailauth.providers import OAuthSettings
from helpdesk.mailauth.secrets import decrypt, encrypt, redact, reencrypt
from helpdesk.settings import ConfigError, check_config, load_config

KEY = Fernet.generate_key().decode()
MICROSOFT_APP = {
    "IMAP_AUTH": "oauth2",
    "MAIL_AUTH": "oauth2",
    "IMAP_USERNAME": "support@store.example",
    "OAUTH_PROVIDER": "microsoft",
    "OAUTH_GRANT": "client_credentials",
    "OAUTH_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    "OAUTH_CLIENT_SECRET": "s3cret",
    "OAUTH_TENANT": "contoso.onmicrosoft.com",
    "HELPDESK_ENCRYPTION_KEY": KEY,
}
GOOGLE = {
    "IMAP_AUTH": "oauth2",
    "MAIL_AUTH": "oauth2",
    "IMAP_USERNAME": "support@store.example",
    "OAUTH_PROVIDER": "google",
    "OAUTH_GRANT": "authorization_code",
    "OAUTH_CLIENT_ID": "123-abc.apps.googleusercontent.com",
    "OAUTH_CLIENT_SECRET": "GOCSPX-secret",
    "HELPDESK_ENCRYPTION_KEY": KEY,
}


def config(**environ: str) -> dict[str, object]:
    return load_config("test", environ=environ)


def test_password_stays_the_default_and_needs_nothing_new() -> None:
    settings = config()
    assert (settings["IMAP_AUTH"], settings["MAIL_AUTH"]) == ("password", "password")
    check_config(settings)
    check_config(config(MAIL_AUTH="none"))  # a relay that takes mail without AUTH


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"IMAP_AUTH": "xoauth"}, "IMAP_AUTH must be one of password, oauth2"),
        ({"MAIL_AUTH": "oauth"}, "MAIL_AUTH must be one of password, oauth2, none"),
        ({**MICROSOFT_APP, "OAUTH_PROVIDER": "yahoo"}, "OAUTH_PROVIDER must be one of"),
        ({**MICROSOFT_APP, "OAUTH_GRANT": "password"}, "OAUTH_GRANT must be one of"),
        ({**MICROSOFT_APP, "OAUTH_TENANT": ""}, "OAUTH_TENANT must be set"),
        ({**MICROSOFT_APP, "OAUTH_CLIENT_SECRET": ""}, "OAUTH_CLIENT_SECRET must be set"),
        ({**MICROSOFT_APP, "HELPDESK_ENCRYPTION_KEY": ""}, "HELPDESK_ENCRYPTION_KEY must be"),
        ({**MICROSOFT_APP, "HELPDESK_ENCRYPTION_KEY": "short"}, "key 1 is not a Fernet key"),
        (
            {**MICROSOFT_APP, "HELPDESK_ENCRYPTION_KEY": f"{KEY},nope"},
            "key 2 is not a Fernet key",
        ),
        ({**GOOGLE, "OAUTH_GRANT": "client_credentials"}, "needs OAUTH_GRANT=authorization_code"),
        ({**GOOGLE, "OAUTH_PROVIDER": "custom"}, "OAUTH_TOKEN_URL must be set"),
        ({**GOOGLE, "IMAP_USERNAME": ""}, "IMAP_USERNAME must be set"),
        ({**MICROSOFT_APP, "MAIL_PASSWORD": "pw"}, "MAIL_PASSWORD is not used with MAIL_AUTH"),
    ],
)
def test_settings_that_cannot_work_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        check_config(config(**environ))
    assert "s3cret" not in str(refused.value) and KEY not in str(refused.value)


def test_microsoft_app_only_preset_uses_the_tenant_and_the_default_scope() -> None:
    settings = config(**MICROSOFT_APP)
    check_config(settings)
    oauth = OAuthSettings.from_config(settings)
    base = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0"
    assert oauth.token_url == f"{base}/token"
    assert oauth.authorize_url == f"{base}/authorize"
    assert oauth.scopes == ("https://outlook.office365.com/.default",)
    assert oauth.account == "support@store.example"
    assert "s3cret" not in repr(oauth) and KEY not in repr(oauth)


def test_microsoft_delegated_and_google_presets() -> None:
    delegated = OAuthSettings.from_config(
        config(**{**MICROSOFT_APP, "OAUTH_GRANT": "authorization_code"})
    )
    assert delegated.scope == (
        "https://outlook.office.com/IMAP.AccessAsUser.All "
        "https://outlook.office.com/SMTP.Send offline_access"
    )
    google = OAuthSettings.from_config(config(**GOOGLE))
    check_config(config(**GOOGLE))
    assert google.token_url == "https://oauth2.googleapis.com/token"
    assert google.authorize_url == "https://accounts.google.com/o/oauth2/v2/auth"
    assert google.scopes == ("https://mail.google.com/",)
    assert dict(google.authorize_params) == {"access_type": "offline", "prompt": "consent"}
    custom_scopes = OAuthSettings.from_config(config(**GOOGLE, OAUTH_SCOPES="a b"))
    assert custom_scopes.scopes == ("a", "b")


def test_keys_rotate_and_secrets_are_redacted() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    ciphertext = encrypt(old, "refresh-me")
    assert "refresh-me" not in ciphertext
    both = f"{new},{old}"
    assert decrypt(both, ciphertext) == "refresh-me"
    rotated = reencrypt(both, ciphertext)
    assert decrypt(new, rotated) == "refresh-me"
    assert redact("a s3cret b", ["s3cret", ""]) == "a [redacted] b"
