"""The `fedhub` command as operators use it: real processes, real data folders, both databases."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fedhub.store import actors
from fedhub.store.database import Database
from fedhub.store.tables import Post, PostText

FEDHUB = str(Path(sys.executable).parent / "fedhub")

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class Cli:
    data: Path
    database_url: str

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [FEDHUB, "--data", str(self.data), "--database-url", self.database_url, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    def fail(self, *args: str) -> str:
        """Run a command that must fail: non-zero exit and one clear line on stderr."""
        result = self.run(*args, ok=False)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("fedhub: error: ")
        return lines[0]

    def counts(self) -> tuple[int, int]:
        async def count() -> tuple[int, int]:
            database = Database(self.database_url)
            try:
                async with database.reading() as session:
                    posts = await session.scalar(select(func.count()).select_from(Post))
                    texts = await session.scalar(select(func.count()).select_from(PostText))
                    return int(posts or 0), int(texts or 0)
            finally:
                await database.close()

        return asyncio.run(count())


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    cli = Cli(tmp_path / "data", database_url)
    cli.run("init", "--domain", "groups.example:8443")
    cli.run("group", "create", "kyiv_pride", "--name", "KyivPride", "--lang", "uk")
    return cli


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_init_refuses_an_existing_instance(cli: Cli) -> None:
    line = cli.fail("init", "--domain", "other.example")
    assert "already holds an instance" in line


def test_init_rejects_a_bad_domain(tmp_path: Path, database_url: str) -> None:
    fresh = Cli(tmp_path / "fresh", database_url)
    assert "invalid domain" in fresh.fail("init", "--domain", "https://x/y")
    assert "invalid domain" in fresh.fail("init", "--domain", "x.example:²")
    assert not (tmp_path / "fresh" / "fedhub.toml").exists()


def test_commands_need_an_instance(tmp_path: Path, database_url: str) -> None:
    assert "init --domain" in Cli(tmp_path / "nothing", database_url).fail("group", "list")


def test_group_create_and_list(cli: Cli) -> None:
    out = cli.run("group", "create", "tbilisi", "--name", "Tbilisi Pride", "--lang", "ka").stdout
    assert out.splitlines()[-1] == "https://groups.example:8443/groups/tbilisi"
    listed = cli.run("group", "list").stdout
    assert "tbilisi\t@tbilisi@groups.example:8443\tTbilisi Pride" in listed
    assert "kyiv_pride" in listed


def test_group_slug_taken_or_invalid(cli: Cli) -> None:
    assert "already exists" in cli.fail("group", "create", "kyiv_pride", "--name", "Again")
    cli.fail("group", "create", "Bad Slug!", "--name", "x")
    cli.fail("group", "create", "ok_slug", "--name", "x", "--lang", "zz-nonsense-123")


def test_article_publish_prints_its_id_last(cli: Cli, tmp_path: Path) -> None:
    body = write(tmp_path / "body.md", "Звіт про **права людини**.\n\nДругий абзац.")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    out = cli.run(
        "article",
        "publish",
        "kyiv_pride",
        "--title",
        "Звіт",
        "--body-file",
        str(body),
        "--tag",
        "HumanRights",
        "--attach",
        str(pdf),
    ).stdout
    article_id = out.strip().splitlines()[-1]
    assert article_id.startswith("https://groups.example:8443/groups/kyiv_pride/articles/")
    assert cli.counts() == (1, 1)

    english = write(tmp_path / "en.md", "A report on **human rights**.")
    out = cli.run(
        "article",
        "publish",
        "kyiv_pride",
        "--translation-of",
        article_id,
        "--lang",
        "en",
        "--title",
        "Report",
        "--body-file",
        str(english),
    ).stdout
    assert out.strip().splitlines()[-1] == article_id
    assert cli.counts() == (1, 2), "a translation is added to the same article"
    out = cli.run(
        "article",
        "translate",
        article_id,
        "--lang",
        "ru",
        "--title",
        "Отчёт",
        "--body-file",
        str(english),
    ).stdout
    assert "uk, en, ru" in out
    assert "already has" in cli.fail(
        "article",
        "translate",
        article_id,
        "--lang",
        "ru",
        "--title",
        "x",
        "--body-file",
        str(english),
    )


def test_event_publish(cli: Cli) -> None:
    out = cli.run(
        "event",
        "publish",
        "kyiv_pride",
        "--title",
        "Марш",
        "--start",
        "2026-06-14T12:00",
        "--end",
        "2026-06-14T15:00",
        "--timezone",
        "Europe/Kyiv",
        "--place",
        "Майдан",
        "--address",
        "Kyiv",
        "--online-url",
        "https://stream.example/live",
    ).stdout
    assert "/groups/kyiv_pride/events/" in out.strip().splitlines()[-1]
    assert cli.counts() == (1, 1)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--start", "2026-06-14T12:00", "--end", "2026-06-14T11:00"], "end"),
        (["--start", "yesterday", "--end", "2026-06-14T11:00"], "start"),
        (
            ["--start", "2026-06-14T12:00", "--end", "2026-06-14T13:00", "--timezone", "Mars/Base"],
            "time zone",
        ),
    ],
)
def test_event_errors_change_nothing(cli: Cli, args: list[str], reason: str) -> None:
    base = ["event", "publish", "kyiv_pride", "--title", "x", "--place", "Somewhere"]
    if "--timezone" not in args:
        args = [*args, "--timezone", "Europe/Kyiv"]
    line = cli.fail(*base, *args)
    assert reason in line.lower()
    assert cli.counts() == (0, 0)


def test_article_errors_change_nothing(cli: Cli, tmp_path: Path) -> None:
    body = write(tmp_path / "body.md", "text")
    unknown = cli.fail("article", "publish", "nobody", "--title", "t", "--body-file", str(body))
    assert "nobody" in unknown
    missing = cli.fail(
        "article", "publish", "kyiv_pride", "--title", "t", "--body-file", str(tmp_path / "no.md")
    )
    assert "no such file" in missing
    script = tmp_path / "evil.html"
    script.write_text("<script>alert(1)</script>")
    bad_type = cli.fail(
        "article",
        "publish",
        "kyiv_pride",
        "--title",
        "t",
        "--body-file",
        str(body),
        "--attach",
        str(script),
    )
    assert "unsupported file type" in bad_type
    cli.fail(
        "article",
        "publish",
        "kyiv_pride",
        "--title",
        "t",
        "--body-file",
        str(body),
        "--attach",
        str(tmp_path / "missing.pdf"),
    )
    assert cli.counts() == (0, 0)
    assert not (cli.data / "media").exists() or not any((cli.data / "media").rglob("*"))


# A real 1×1 PNG: images are decoded and re-encoded (to strip metadata), so a fake one is refused.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xc8\xd2\x99\xf8\x1f\x00\x04R\x02'\xb1\xc2(\x17\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def test_group_update_sets_the_icon_and_approval(cli: Cli, tmp_path: Path) -> None:
    icon = tmp_path / "logo.png"
    icon.write_bytes(PNG)
    out = cli.run(
        "group", "update", "kyiv_pride", "--icon", str(icon), "--manual-approval", "on"
    ).stdout
    assert "approved by hand" in out
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(PDF)
    assert "icon must be" in cli.fail("group", "update", "kyiv_pride", "--icon", str(pdf))

    async def actor_icon() -> str | None:
        database = Database(cli.database_url)
        try:
            async with database.reading() as session:
                group = await actors.get_group(session, "kyiv_pride")
        finally:
            await database.close()
        return group.icon.media_type if group.icon else None

    assert asyncio.run(actor_icon()) == "image/png"
