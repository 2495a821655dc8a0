"""Stored files: bytes in the data folder under their SHA-256, a row saying what they are."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from fedhub.store.tables import Media


def media_path(media_dir: Path, sha256: str) -> Path:
    return media_dir / sha256[:2] / sha256


def write_media_file(media_dir: Path, data: bytes) -> str:
    """Write bytes atomically under their hash and return it; the same bytes are stored once."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = media_path(media_dir, sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return sha256


async def put_media(session: AsyncSession, sha256: str, media_type: str, size: int) -> Media:
    row = await session.get(Media, sha256)
    if row is None:
        row = Media(sha256=sha256, media_type=media_type, size=size)
        session.add(row)
        await session.flush()
    return row


async def get_media(session: AsyncSession, sha256: str) -> Media | None:
    return await session.get(Media, sha256)
