"""The `fedhub` command: the contract operators and scripts rely on."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from aiohttp import web

from fedhub.actions import demo, groups, publish
from fedhub.actions.instance import init_instance, open_instance
from fedhub.domain.drafts import validate_article, validate_event
from fedhub.errors import FedhubError, InvalidInput
from fedhub.settings import Settings, load_settings
from fedhub.store import actors
from fedhub.store.database import Database
from fedhub.uris import Uris
from fedhub.web.app import create_app

Command = Callable[[argparse.Namespace], Awaitable[None]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fedhub", description=__doc__)
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("FEDHUB_DATA", "data")),
        help="the instance's folder (config, SQLite database, files); env FEDHUB_DATA",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FEDHUB_DATABASE_URL"),
        help="postgresql://user@host/db instead of SQLite in the data folder; env FEDHUB_DATABASE_URL",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create the instance in --data")
    p.add_argument(
        "--domain", required=True, help="HOST[:PORT] that appears in every id and handle"
    )
    p.add_argument("--http", action="store_true", help="a plain-HTTP development instance")
    p.add_argument("--name", default="fedhub", help="the instance's display name")
    p.add_argument("--demo", action="store_true", help="also add a demo group with content")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("serve", help="serve the instance over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(run=None, sync=cmd_serve)

    p = sub.add_parser("migrate", help="bring the database to the newest schema")
    p.set_defaults(run=cmd_migrate)

    p = sub.add_parser("demo", help="add the demo group with a few articles and events")
    p.set_defaults(run=cmd_demo)

    group = sub.add_parser("group", help="manage groups").add_subparsers(
        dest="group_command", required=True, metavar="ACTION"
    )
    p = group.add_parser("create", help="create a group")
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p.add_argument("--summary", default="")
    p.add_argument("--lang", default="en")
    p.set_defaults(run=cmd_group_create)
    p = group.add_parser("list", help="list the groups")
    p.set_defaults(run=cmd_group_list)

    article = sub.add_parser("article", help="publish articles").add_subparsers(
        dest="article_command", required=True, metavar="ACTION"
    )
    p = article.add_parser("publish", help="publish an article (or a translation of one)")
    p.add_argument("slug", help="the group")
    _text_arguments(p, body_required=True)
    p.add_argument("--summary", default="", help="the lead; default: the body's first sentences")
    p.add_argument("--tag", action="append", default=[], help="a hashtag (repeatable)")
    p.add_argument("--attach", action="append", default=[], type=Path, help="a file (repeatable)")
    p.add_argument("--translation-of", metavar="ID", help="add this text to an existing article")
    p.set_defaults(run=cmd_article_publish)
    p = article.add_parser("translate", help="add a language version to an article")
    p.add_argument("id", help="the article's id (URL)")
    _text_arguments(p, body_required=True)
    p.add_argument("--summary", default="")
    p.set_defaults(run=cmd_translate)

    event = sub.add_parser("event", help="publish events").add_subparsers(
        dest="event_command", required=True, metavar="ACTION"
    )
    p = event.add_parser("publish", help="publish an event")
    p.add_argument("slug", help="the group")
    _text_arguments(p, body_required=False)
    p.add_argument("--start", required=True, help="ISO 8601, e.g. 2026-12-05T18:00")
    p.add_argument("--end", required=True, help="ISO 8601")
    p.add_argument("--timezone", required=True, help="IANA zone, e.g. Europe/Kyiv")
    p.add_argument("--place", default="", help="the venue's name")
    p.add_argument("--address", default="", help="the venue's address")
    p.add_argument("--online-url", default="", help="the link to join online")
    p.add_argument("--tag", action="append", default=[])
    p.add_argument("--attach", action="append", default=[], type=Path)
    p.add_argument("--translation-of", metavar="ID", help="add this text to an existing event")
    p.set_defaults(run=cmd_event_publish)
    p = event.add_parser("translate", help="add a language version to an event")
    p.add_argument("id", help="the event's id (URL)")
    _text_arguments(p, body_required=False)
    p.set_defaults(run=cmd_translate, summary="")
    return parser


def _text_arguments(p: argparse.ArgumentParser, *, body_required: bool) -> None:
    p.add_argument("--title", required=True)
    p.add_argument("--body-file", type=Path, required=body_required, help="Markdown file")
    p.add_argument("--lang", default=None, help="language code; default: the group's language")


def _read_body(path: Path | None) -> str:
    if path is None:
        return ""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path} is not UTF-8 text") from error


async def _with_instance(
    args: argparse.Namespace, work: Callable[[Settings, Database], Awaitable[None]]
) -> None:
    settings, database = await open_instance(args.data, args.database_url)
    try:
        await work(settings, database)
    finally:
        await database.close()


async def _group_lang(database: Database, slug: str, lang: str | None) -> str:
    if lang:
        return lang
    async with database.reading() as session:
        return (await actors.get_group(session, slug)).lang


async def cmd_init(args: argparse.Namespace) -> None:
    settings = await init_instance(
        args.data, args.domain, http=args.http, database_url=args.database_url, name=args.name
    )
    print(f"created instance {settings.base_url} in {args.data}")
    if args.demo:
        await cmd_demo(args)


async def cmd_migrate(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        print("database is up to date")

    await _with_instance(args, work)


async def cmd_demo(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        group = await demo.seed_demo(database, settings)
        print(f"demo group: {Uris(settings.base_url).group(group.slug)}")

    await _with_instance(args, work)


async def cmd_group_create(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        group = await groups.create_group(database, args.slug, args.name, args.summary, args.lang)
        uris = Uris(settings.base_url)
        print(f"created group @{uris.handle(group.slug)}")
        print(uris.group(group.slug))

    await _with_instance(args, work)


async def cmd_group_list(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        uris = Uris(settings.base_url)
        async with database.reading() as session:
            for group in await actors.list_groups(session):
                print(f"{group.slug}\t@{uris.handle(group.slug)}\t{group.name}")

    await _with_instance(args, work)


async def cmd_article_publish(args: argparse.Namespace) -> None:
    if args.translation_of:
        await cmd_translate(args, target=args.translation_of)
        return

    async def work(settings: Settings, database: Database) -> None:
        draft = validate_article(
            group_slug=args.slug,
            lang=await _group_lang(database, args.slug, args.lang),
            title=args.title,
            body_markdown=_read_body(args.body_file),
            summary=args.summary,
            tags=args.tag,
        )
        uploads = [publish.read_upload(p, settings.max_upload_bytes) for p in args.attach]
        post = await publish.publish_article(database, settings, draft, uploads)
        print(Uris(settings.base_url).post(post.group_slug, post.kind, post.public_id))

    await _with_instance(args, work)


async def cmd_event_publish(args: argparse.Namespace) -> None:
    if args.translation_of:
        args.summary = ""
        await cmd_translate(args, target=args.translation_of)
        return

    async def work(settings: Settings, database: Database) -> None:
        draft = validate_event(
            group_slug=args.slug,
            lang=await _group_lang(database, args.slug, args.lang),
            title=args.title,
            body_markdown=_read_body(args.body_file),
            start=args.start,
            end=args.end,
            timezone=args.timezone,
            place_name=args.place,
            address=args.address,
            online_url=args.online_url,
            tags=args.tag,
        )
        uploads = [publish.read_upload(p, settings.max_upload_bytes) for p in args.attach]
        post = await publish.publish_event(database, settings, draft, uploads)
        print(Uris(settings.base_url).post(post.group_slug, post.kind, post.public_id))

    await _with_instance(args, work)


async def cmd_translate(args: argparse.Namespace, target: str | None = None) -> None:
    async def work(settings: Settings, database: Database) -> None:
        if not args.lang:
            raise InvalidInput("a translation needs --lang")
        post = await publish.add_translation(
            database,
            settings,
            target or args.id,
            lang=args.lang,
            title=args.title,
            body_markdown=_read_body(args.body_file),
            summary=args.summary,
        )
        langs = ", ".join(t.lang for t in post.texts)
        print(f"languages now: {langs}")
        print(Uris(settings.base_url).post(post.group_slug, post.kind, post.public_id))

    await _with_instance(args, work)


def cmd_serve(args: argparse.Namespace) -> None:
    settings = load_settings(args.data, args.database_url)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    print(f"fedhub serving {settings.base_url} on http://{args.host}:{args.port}", flush=True)
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.run is None:
            args.sync(args)
        else:
            asyncio.run(args.run(args))
    except FedhubError as error:
        print(f"fedhub: error: {error.reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
