"""Encryption at rest for the refresh token (Fernet), and keeping secrets out of text.

HELPDESK_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated, newest first:
new ciphertext uses the first; any of them decrypts (MultiFernet), which is how a key
is rotated without reconnecting the mailbox.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["InvalidToken", "decrypt", "encrypt", "new_key", "redact", "reencrypt"]


def _fernet(keys: str) -> MultiFernet:
    parts = [key.strip() for key in keys.split(",") if key.strip()]
    if not parts:
        raise ValueError("HELPDESK_ENCRYPTION_KEY is not set")
    return MultiFernet([Fernet(key) for key in parts])


def encrypt(keys: str, plaintext: str) -> str:
    return _fernet(keys).encrypt(plaintext.encode()).decode()


def decrypt(keys: str, ciphertext: str) -> str:
    """Raises InvalidToken when no key of `keys` made `ciphertext`."""
    return _fernet(keys).decrypt(ciphertext.encode()).decode()


def reencrypt(keys: str, ciphertext: str) -> str:
    """The same plaintext, encrypted with the first key (after a key rotation)."""
    return _fernet(keys).rotate(ciphertext.encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret of `secrets` replaced (for messages that get shown)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text
