"""The delivery policy: Mastodon's reading of responses, a two-day backoff, a host breaker."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from fedhub.delivery.policy import (
    BREAKER_MAX_PAUSE,
    BREAKER_THRESHOLD,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    HostHealth,
    Outcome,
    breaker_after_failure,
    breaker_after_success,
    classify,
    counts_against_host,
    next_attempt_at,
    pause_for_retry_after,
    retry_delay,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (410, Outcome.GONE),
        (400, Outcome.GIVE_UP),
        (403, Outcome.GIVE_UP),
        (404, Outcome.GIVE_UP),
        (422, Outcome.GIVE_UP),
        (501, Outcome.GIVE_UP),
        (401, Outcome.RETRY),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (502, Outcome.RETRY),
        (503, Outcome.RETRY),
        (301, Outcome.RETRY),
        (None, Outcome.RETRY),
    ],
)
def test_classify(status: int | None, outcome: Outcome) -> None:
    assert classify(status, None if status else "connection refused") is outcome


def test_only_unanswered_attempts_count_against_a_host() -> None:
    assert counts_against_host(Outcome.RETRY)
    assert not counts_against_host(Outcome.GIVE_UP)
    assert not counts_against_host(Outcome.GONE)
    assert not counts_against_host(Outcome.DELIVERED)


def _schedule(rng: random.Random) -> list[timedelta]:
    delays = []
    attempts = 1
    while (delay := retry_delay(attempts, rng)) is not None:
        delays.append(delay)
        attempts += 1
    return delays


class _Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_retries_span_about_two_days_then_stop() -> None:
    shortest, longest = _schedule(_Fixed(0.0)), _schedule(_Fixed(0.999999))
    assert len(shortest) == len(longest) == MAX_ATTEMPTS - 1
    assert timedelta(hours=44) < sum(shortest, timedelta()) < sum(longest, timedelta())
    assert sum(longest, timedelta()) < timedelta(hours=52)
    assert retry_delay(MAX_ATTEMPTS, random.Random(1)) is None


def test_backoff_grows_and_starts_within_a_minute() -> None:
    delays = _schedule(_Fixed(0.5))
    assert timedelta(seconds=15) <= delays[0] <= timedelta(seconds=60)
    assert all(a < b for a, b in itertools.pairwise(delays))
    assert delays[-1] > timedelta(hours=12)


def test_jitter_spreads_one_fan_out() -> None:
    rng = random.Random(7)
    firsts = {retry_delay(1, rng) for _ in range(100)}
    assert len(firsts) > 90
    assert all(timedelta(seconds=15) <= d <= timedelta(seconds=45) for d in firsts if d is not None)


def test_retry_after_is_honoured_when_later_than_the_backoff() -> None:
    rng = random.Random(1)
    later = NOW + timedelta(hours=2)
    assert next_attempt_at(1, NOW, later, rng) == later
    sooner = NOW + timedelta(seconds=1)
    when = next_attempt_at(1, NOW, sooner, rng)
    assert when is not None and when >= NOW + timedelta(seconds=15)


def test_retry_after_is_capped_and_does_not_extend_the_schedule() -> None:
    rng = random.Random(1)
    assert next_attempt_at(1, NOW, NOW + timedelta(days=30), rng) == NOW + MAX_RETRY_AFTER
    assert next_attempt_at(MAX_ATTEMPTS, NOW, NOW + timedelta(hours=1), rng) is None


def test_retry_after_pauses_the_host() -> None:
    assert pause_for_retry_after(NOW + timedelta(minutes=5), NOW) == NOW + timedelta(minutes=5)
    assert pause_for_retry_after(NOW - timedelta(minutes=5), NOW) is None
    assert pause_for_retry_after(None, NOW) is None
    assert pause_for_retry_after(NOW + timedelta(days=9), NOW) == NOW + MAX_RETRY_AFTER


def test_breaker_stays_closed_below_the_threshold() -> None:
    for failures in range(BREAKER_THRESHOLD):
        assert breaker_after_failure(failures, NOW) is None


def test_breaker_opens_then_pauses_longer_up_to_an_hour() -> None:
    pauses = [breaker_after_failure(BREAKER_THRESHOLD * n, NOW) for n in range(1, 12)]
    assert pauses[0] == NOW + timedelta(minutes=1)
    assert pauses[1] == NOW + timedelta(minutes=2)
    assert all(p is not None for p in pauses)
    assert pauses == sorted(pauses)  # type: ignore[type-var]
    assert pauses[-1] == NOW + BREAKER_MAX_PAUSE
    assert breaker_after_failure(10**9, NOW) == NOW + BREAKER_MAX_PAUSE


def test_success_closes_the_breaker() -> None:
    assert breaker_after_success() == HostHealth(consecutive_failures=0, paused_until=None)
