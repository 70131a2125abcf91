"""Read Authentication-Results headers (RFC 8601): who checked, and what each method said.

    Authentication-Results: mx.store.com 1; spf=fail (not permitted) smtp.mailfrom=x.com;
        dkim=none; dmarc=fail (p=reject) header.from=x.com

Comments (nested), quoted strings, case and folding are tolerated; anything that does not
read as `method=result` is skipped. Microsoft 365 writes its header without an authserv-id
(it starts with `spf=...`); such a header is read with the authserv-id NO_ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NO_ID = "microsoft365"
_METHOD_RE = re.compile(r"^([a-z0-9_.-]+)(?:/\d+)?\s*=\s*([a-z0-9_-]+)")


@dataclass(frozen=True)
class AuthResults:
    """One header: the authserv-id (lower-cased) and each method's results, in order."""

    authserv_id: str
    results: tuple[tuple[str, str], ...]  # (method, result), e.g. ("dmarc", "fail")

    def said(self, method: str, result: str) -> bool:
        return (method, result) in self.results


def _strip_comments(value: str) -> str:
    """The value without (comments), keeping "quoted strings" (which may hold ; or ()."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif quoted:
            out.append(char)
            quoted = char != '"'
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
            quoted = char == '"'
    return "".join(out)


def _split(value: str) -> list[str]:
    """Split at semicolons outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted, escaped = False, False
    for char in value:
        if char == '"' and not escaped:
            quoted = not quoted
        escaped = char == "\\" and not escaped
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def parse_authentication_results(value: str) -> AuthResults | None:
    """One header value read, or None when it names no checker and no result."""
    parts = _split(_strip_comments(value).lower())
    head = parts[0].split()
    if head and "=" not in head[0]:
        authserv_id, resinfo = head[0], parts[1:]
    else:  # no authserv-id: Microsoft 365's form
        authserv_id, resinfo = NO_ID, parts
    results = []
    for item in resinfo:
        match = _METHOD_RE.match(item)
        if match:
            results.append((match.group(1), match.group(2)))
    if not results and authserv_id == NO_ID:
        return None
    return AuthResults(authserv_id, tuple(results))
