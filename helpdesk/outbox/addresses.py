"""Addresses an agent types for Cc and Bcc: validated before they reach a mail header.

A value is one or more plain addresses separated by commas, semicolons or spaces
(`a@example.com, b@example.com`); names (`Ann <a@…>`) are not taken. A line break or any
other control character is refused outright (header injection), as is anything that is
not an address within RFC 5321's lengths. Addresses are kept in lowercase, once each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mail_ingest.parse import address_fits

MAX_COPIES = 10  # addresses in one Cc or Bcc field
_SEPARATORS = re.compile(r"[,; ]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Deliberately narrow: an ASCII local part of atoms with dots, a domain with a dot.
_ADDRESS = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


class AddressError(ValueError):
    """An address list that cannot be used; `field` names the form or API field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_addresses(values: Iterable[str], field: str, limit: int = MAX_COPIES) -> list[str]:
    """The addresses in `values` (each possibly a list), lowercase and deduplicated, in
    order; AddressError naming `field` for a control character, a malformed address or
    more than `limit` addresses."""
    found: list[str] = []
    for value in values:
        if _CONTROL.search(value):
            raise AddressError(f"{field.capitalize()} must not contain line breaks.", field)
        for part in _SEPARATORS.split(value.strip()):
            address = part.lower()
            if not address or address in found:
                continue
            if not (_ADDRESS.match(address) and address_fits(address)):
                raise AddressError(
                    f"{part[:80]!r} in {field.capitalize()} is not an email address.", field
                )
            found.append(address)
    if len(found) > limit:
        raise AddressError(
            f"At most {limit} addresses can be given in {field.capitalize()}.", field
        )
    return found
