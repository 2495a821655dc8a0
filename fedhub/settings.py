"""The instance's settings, read once from its data folder and passed down; no module-level config."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from fedhub.errors import InvalidInput, NotConfigured

CONFIG_FILE = "fedhub.toml"


@dataclass(frozen=True)
class Settings:
    """Everything the instance needs to know about itself.

    `domain` is the host (with `:port` when not the default) that appears in every id and
    handle; `scheme` is "https" unless the instance was made for development with `--http`.
    """

    data_dir: Path
    domain: str
    scheme: str = "https"
    database_url: str = ""
    name: str = "fedhub"
    max_upload_bytes: int = 50 * 1024 * 1024
    # How long a claimed delivery stays reserved; after a crash, unsettled ones wait this long.
    delivery_lease_seconds: int = 300

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def development(self) -> bool:
        """Plain-HTTP instances are for development; federation relaxes its address policy for them."""
        return self.scheme == "http"

    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "fedhub.sqlite3")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs operators write (`postgresql://...`) and pick the async driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise InvalidInput(f"unsupported database URL {url!r}: use postgresql://... or sqlite:///...")


def validate_domain(domain: str) -> str:
    """A domain is a host name or address with an optional port, nothing else (no scheme, no path)."""
    raw = domain.strip().lower()
    problem = f"invalid domain {domain!r}: give a host like example.org or 127.0.0.1:8080"
    if not raw or any(c in raw for c in "/@?#\\ ") or raw.count(":") > 1:
        raise InvalidInput(problem)
    host, _, port = raw.partition(":")
    try:  # an internationalised name is kept in its ASCII (punycode) form, as DNS sees it
        host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise InvalidInput(problem) from error
    if not host or host.startswith((".", "-")) or host.endswith(("-", ".")) or ".." in host:
        raise InvalidInput(problem)
    if not all(part.replace("-", "").isalnum() and part.isascii() for part in host.split(".")):
        raise InvalidInput(problem)
    if port and (not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536):
        raise InvalidInput(problem)
    return f"{host}:{port}" if port else host


def write_settings(data_dir: Path, domain: str, scheme: str, name: str) -> Path:
    """Create the data folder's config file; refuses to overwrite an existing instance."""
    path = data_dir / CONFIG_FILE
    if path.exists():
        raise InvalidInput(f"{data_dir} already holds an instance ({path} exists)")
    data_dir.mkdir(parents=True, exist_ok=True)
    # json.dumps quotes strings in a form TOML accepts.
    path.write_text(
        "# fedhub instance settings\n"
        f"domain = {json.dumps(domain)}\n"
        f"scheme = {json.dumps(scheme)}\n"
        f"name = {json.dumps(name)}\n",
        encoding="utf-8",
    )
    return path


def load_settings(data_dir: Path, database_url: str | None = None) -> Settings:
    """Read the data folder's config; the database URL comes from the flag, the env or the default."""
    path = data_dir / CONFIG_FILE
    if not path.exists():
        raise NotConfigured(
            f"no instance in {data_dir}: run `fedhub --data {data_dir} init --domain HOST` first"
        )
    with path.open("rb") as f:
        raw = tomllib.load(f)
    url = database_url or os.environ.get("FEDHUB_DATABASE_URL") or raw.get("database_url", "")
    return Settings(
        data_dir=data_dir,
        domain=str(raw["domain"]),
        scheme=str(raw.get("scheme", "https")),
        database_url=normalise_database_url(url) if url else "",
        name=str(raw.get("name", "fedhub")),
        max_upload_bytes=int(raw.get("max_upload_bytes", 50 * 1024 * 1024)),
        delivery_lease_seconds=int(raw.get("delivery_lease_seconds", 300)),
    )
