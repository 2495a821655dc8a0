"""HTTP dates as RFC 9110 section 5.6.7 says a recipient reads them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fedhub.activitypub.http_messages import http_date, parse_http_date

MOMENT = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",  # IMF-fixdate, what senders must send
        "Sunday, 06-Nov-94 08:49:37 GMT",  # obsolete RFC 850 format
        "Sun Nov  6 08:49:37 1994",  # obsolete asctime format
    ],
)
def test_the_three_formats_name_the_same_moment(value: str) -> None:
    assert parse_http_date(value) == MOMENT


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"],
)
def test_an_unreadable_date_is_none(value: str) -> None:
    assert parse_http_date(value) is None


def test_what_fedhub_sends_reads_back() -> None:
    assert parse_http_date(http_date(MOMENT)) == MOMENT
