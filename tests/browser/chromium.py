"""Where the browser and axe-core are, and how Chromium must start on a closed network."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("FEDHUB_CHROMIUM", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking switches Chromium phones home, and this network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_options() -> dict[str, Any]:
    """Debian's chromium: `playwright install` cannot download a browser here."""
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}
