"""The CLI shares the editors' upload path, edits and cancellation: real processes, both databases."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from fedhub.domain import records
from fedhub.store import posts
from fedhub.store.database import Database
from fedhub.store.tables import OutboxActivity
from tests.test_cli import Cli

GPS_IFD = 0x8825


def test_attach_strips_gps_and_event_cancel_marks_the_event(
    tmp_path: Path, database_url: str
) -> None:
    cli = Cli(tmp_path / "data", database_url)
    cli.run("init", "--domain", "127.0.0.1:8099", "--http")
    cli.run("group", "create", "kyiv", "--name", "Kyiv")
    photo = tmp_path / "IMG_2.jpg"
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)})
    Image.new("RGB", (8, 8)).save(photo, format="JPEG", exif=exif.tobytes())
    body = tmp_path / "body.md"
    body.write_text("A photo.", encoding="utf-8")
    cli.run("article", "publish", "kyiv", "--title", "Photo", "--body-file", str(body),
            "--attach", str(photo))  # fmt: skip
    (stored,) = [p for p in (tmp_path / "data" / "media").rglob("*") if p.is_file()]
    with Image.open(io.BytesIO(stored.read_bytes())) as image:
        assert image.getexif().get_ifd(GPS_IFD) == {}

    published = cli.run(
        "event", "publish", "kyiv", "--title", "Picnic", "--start", "2027-06-14T12:00",
        "--end", "2027-06-14T15:00", "--timezone", "Europe/Kyiv", "--place", "Hydropark",
    )  # fmt: skip
    event_id = published.stdout.strip().splitlines()[-1]
    assert cli.run("event", "cancel", event_id).stdout.startswith(
        "cancelled http://127.0.0.1:8099/"
    )
    assert "already cancelled" in cli.fail("event", "cancel", event_id)
    assert cli.counts()[0] == 2  # cancelling keeps the event


def read_post(cli: Cli, public_id: str) -> tuple[records.Post, int]:
    """The post as stored now, and how many Updates the outbox holds for it."""

    async def read() -> tuple[records.Post, int]:
        database = Database(cli.database_url)
        try:
            async with database.reading() as session:
                row, slug = await posts.get_post_row(session, public_id)
                (post,) = await posts.post_records(session, [(row, slug)])
                updates = await session.scalar(
                    select(func.count())
                    .select_from(OutboxActivity)
                    .where(OutboxActivity.type == "Update")
                )
                return post, int(updates or 0)
        finally:
            await database.close()

    return asyncio.run(read())


@pytest.fixture
def kyiv(tmp_path: Path, database_url: str) -> Cli:
    cli = Cli(tmp_path / "data", database_url)
    cli.run("init", "--domain", "127.0.0.1:8099", "--http")
    cli.run("group", "create", "kyiv", "--name", "Kyiv", "--lang", "uk")
    return cli


def publish_event(cli: Cli, tmp_path: Path) -> str:
    body = tmp_path / "event.md"
    body.write_text("Беріть їжу.", encoding="utf-8")
    published = cli.run(
        "event", "publish", "kyiv", "--title", "Пікнік", "--start", "2027-06-14T12:00",
        "--end", "2027-06-14T15:00", "--timezone", "Europe/Kyiv", "--place", "Гідропарк",
        "--tag", "picnic", "--body-file", str(body),
    )  # fmt: skip
    return published.stdout.strip().splitlines()[-1]


def test_article_edit_changes_only_what_is_given_and_sends_an_update(
    kyiv: Cli, tmp_path: Path
) -> None:
    body = tmp_path / "body.md"
    body.write_text("Перше речення. Друге.", encoding="utf-8")
    uri = kyiv.run(
        "article", "publish", "kyiv", "--title", "Старе", "--body-file", str(body),
        "--tag", "pride", "--tag", "kyiv",
    ).stdout.strip()  # fmt: skip
    public_id = uri.rsplit("/", 1)[-1]

    assert kyiv.run("article", "edit", uri, "--title", "Нове").stdout.strip() == f"edited {uri}"
    post, updates = read_post(kyiv, public_id)
    assert (post.primary.name, post.primary.source) == ("Нове", "Перше речення. Друге.")
    assert set(post.tags) == {"pride", "kyiv"}
    assert updates == 1

    body.write_text("Інший текст.", encoding="utf-8")
    kyiv.run("article", "edit", public_id, "--body-file", str(body), "--tag", "rights")
    post, updates = read_post(kyiv, public_id)
    assert post.primary.source == "Інший текст."
    assert post.primary.summary == "Інший текст."  # an unwritten lead follows the body
    assert post.tags == ("rights",)
    assert updates == 2

    kyiv.run("article", "edit", public_id, "--summary", "Власний вступ.", "--no-tags")
    post, _ = read_post(kyiv, public_id)
    assert (post.primary.summary, post.tags) == ("Власний вступ.", ())


def test_event_edit_moves_the_time_keeps_the_rest_and_rewrites_the_summary(
    kyiv: Cli, tmp_path: Path
) -> None:
    uri = publish_event(kyiv, tmp_path)
    public_id = uri.rsplit("/", 1)[-1]
    kyiv.run("event", "edit", uri, "--start", "2027-06-15T19:00", "--end", "2027-06-15T21:00")
    post, updates = read_post(kyiv, public_id)
    assert post.event is not None and post.event.place is not None
    assert post.event.start == datetime(2027, 6, 15, 16, 0, tzinfo=UTC)  # 19:00 in Kyiv
    assert (post.event.place.name, post.tags) == ("Гідропарк", ("picnic",))
    assert post.primary.source == "Беріть їжу."
    assert "15 черв. 2027" in post.primary.summary and "19:00" in post.primary.summary
    assert updates == 1

    kyiv.run("event", "edit", uri, "--place", "", "--online-url", "https://meet.example/p")
    post, _ = read_post(kyiv, public_id)
    assert post.event is not None
    assert (post.event.place, post.event.online_url) == (None, "https://meet.example/p")


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (("event", "edit", "{id}", "--title", "  "), "the title is empty"),
        (("event", "edit", "{id}", "--end", "2027-06-14T11:00"), "ends before it starts"),
        (("event", "edit", "{id}", "--timezone", "Mars/Olympus"), "unknown time zone"),
        (("event", "edit", "{id}", "--place", ""), "needs a place or an online link"),
        (("event", "edit", "{id}", "--lang", "en", "--title", "X"), "has no 'en' version"),
        (("event", "edit", "{id}", "--body-file", "/nonexistent.md"), "no such file"),
        (("article", "edit", "{id}", "--title", "X"), "no article"),
        (("event", "edit", "nope", "--title", "X"), "nope"),
    ],
)
def test_a_bad_edit_says_why_and_changes_nothing(
    kyiv: Cli, tmp_path: Path, command: tuple[str, ...], reason: str
) -> None:
    uri = publish_event(kyiv, tmp_path)
    public_id = uri.rsplit("/", 1)[-1]
    before = read_post(kyiv, public_id)
    error = kyiv.fail(*(part.format(id=uri) for part in command))
    assert reason in error
    assert read_post(kyiv, public_id) == before
