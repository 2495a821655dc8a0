"""A sliding-window counter of failures per key, for the login rate limit.

It lives in one process's memory: a restart forgets it and several server processes would each
count on their own. That is enough to make guessing a password by the million impractical;
the clock is passed in, so the rules are tested without waiting.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    """At most `limit` failures per key within any `window` seconds."""

    limit: int
    window: float
    # Keys are forgotten once all their failures are old; beyond this many, the oldest go first.
    max_keys: int = 100_000
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        times = self._recent(key, now)
        if times is None or len(times) < self.limit:
            return 0
        return max(1, math.ceil(times[-self.limit] + self.window - now))

    def fail(self, key: str, now: float) -> None:
        times = self._recent(key, now)
        if times is None:
            if len(self._failures) >= self.max_keys:
                self._failures.pop(next(iter(self._failures)))
            times = self._failures[key] = deque()
        times.append(now)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)
