"""Without a browser the browser tests skip and say why, except in CI, where they must fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_without_chromium(require: bool) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"FEDHUB_CHROMIUM": "/nonexistent/chromium"}
    env.pop("FEDHUB_REQUIRE_BROWSER", None)
    if require:
        env["FEDHUB_REQUIRE_BROWSER"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider",
         "tests/browser/test_pages.py", "-k", "test_a_page_fits_a_phone and home and en"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_missing_browser_is_a_skip_that_says_why() -> None:
    result = run_without_chromium(require=False)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "no Chromium at /nonexistent/chromium" in result.stdout


def test_a_missing_browser_fails_when_required() -> None:
    result = run_without_chromium(require=True)
    assert result.returncode == 1, result.stdout
    assert "FEDHUB_REQUIRE_BROWSER=1" in result.stdout
    assert "skipped" not in result.stdout
