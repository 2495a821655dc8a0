"""The inbox benchmark still runs and checks its own result (a smoke test: nothing is timed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "inbox.py"


def test_the_inbox_bench_runs_and_stores_every_activity() -> None:
    env = {k: v for k, v in os.environ.items() if k != "FEDHUB_BENCH_POSTGRES_URL"}  # SQLite
    run = subprocess.run(
        [sys.executable, str(BENCH), "--activities", "20", "--rounds", "1", "--warmup", "5"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "every activity answered 202 and stored: yes" in run.stdout
