"""Facts about attachment bytes: the real image type, and a size people read (pure)."""

from __future__ import annotations

# Enough leading bytes to recognise every type below.
SNIFF_BYTES = 16


def image_type(head: bytes | None) -> str | None:
    """The image mimetype the bytes really are (PNG, JPEG, GIF, WebP), else None.

    Decided by magic bytes only; the declared content type is not trusted.
    """
    if not head:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def human_size(size: int) -> str:
    """1023 → "1023 bytes", 2048 → "2.0 KB", 5_000_000 → "4.8 MB"."""
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
