"""The stylesheet, the small script and the icon, served from /static/ under URLs that change with them.

Each URL carries the file's content hash (`?v=…`), so browsers may keep a file for a year and
still get a new one the moment it changes; nothing is ever loaded from another origin.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from fedhub.errors import NotFound

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600"
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class StaticFiles:
    """The files of one folder, with their hashes taken once at start-up."""

    folder: Path
    versions: dict[str, str]

    @classmethod
    def load(cls, folder: Path) -> StaticFiles:
        versions = {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for path in sorted(folder.iterdir())
            if path.suffix in TYPES and path.is_file()
        }
        return cls(folder, versions)

    def path(self, name: str) -> str:
        """The path (with its version) a page links to; an unknown name is a bug, so it raises."""
        return f"/static/{name}?v={self.versions[name]}"

    def response(self, name: str, version: str | None) -> web.FileResponse:
        if name not in self.versions:
            raise NotFound(f"no static file {name!r}")
        current = version == self.versions[name]
        return web.FileResponse(
            self.folder / name,
            headers={
                "Content-Type": f"{TYPES[Path(name).suffix]}; charset=utf-8",
                "Cache-Control": IMMUTABLE if current else REVALIDATE,
            },
        )
