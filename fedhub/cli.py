"""The `fedhub` command: the contract operators and scripts rely on."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from fedhub.actions import accounts, demo, domain_blocks, edits, follows, groups, publish, sharing
from fedhub.actions.instance import init_instance, open_instance
from fedhub.domain import records
from fedhub.domain.drafts import validate_article, validate_event
from fedhub.errors import FedhubError, InvalidInput, NotFound
from fedhub.federation.context import FederationContext
from fedhub.federation.setup import federation
from fedhub.settings import Settings, load_settings
from fedhub.store import actors, network, posts
from fedhub.store import follows as follow_store
from fedhub.store.database import Database
from fedhub.store.tables import RemoteActor
from fedhub.uris import Uris
from fedhub.web import serving
from fedhub.web.editor_forms import article_values, event_values

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
    p.add_argument(
        "--manual-approval", action="store_true", help="an editor approves each follower"
    )
    p.set_defaults(run=cmd_group_create)
    p = group.add_parser("update", help="change a group's profile (followers are told)")
    p.add_argument("slug")
    p.add_argument("--name")
    p.add_argument("--summary")
    p.add_argument("--manual-approval", choices=["on", "off"])
    p.add_argument("--icon", type=Path, help="an image (PNG, JPEG, GIF, WebP): the avatar")
    p.set_defaults(run=cmd_group_update)
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
    p = article.add_parser("edit", help="change an article; followers get an Update")
    _edit_arguments(p)
    p.add_argument("--summary", help="the lead; an empty one follows the body")
    p.set_defaults(run=cmd_article_edit)

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
    p = event.add_parser("cancel", help="mark an event cancelled; followers are told")
    p.add_argument("id", help="the event's id (URL)")
    p.set_defaults(run=cmd_cancel)
    p = event.add_parser("edit", help="change an event; followers get an Update")
    _edit_arguments(p)
    p.add_argument("--start", help="ISO 8601, e.g. 2026-12-05T18:00")
    p.add_argument("--end", help="ISO 8601")
    p.add_argument("--timezone", help="IANA zone; times given without an offset are read in it")
    p.add_argument("--place", help="the venue's name")
    p.add_argument("--address", help="the venue's address")
    p.add_argument("--online-url", help="the link to join online")
    p.set_defaults(run=cmd_event_edit)
    for noun, sub_parsers in (("article", article), ("event", event)):
        p = sub_parsers.add_parser("delete", help=f"delete an {noun}; followers are told")
        p.add_argument("id", help=f"the {noun}'s id (URL)")
        p.set_defaults(run=cmd_delete)

    p = sub.add_parser("follow", help="make a group follow a remote group, account or instance")
    p.add_argument("slug", help="the local group (or `actor` for the instance itself)")
    p.add_argument("target", help="@group@host, an actor URL, or a bare host (its instance actor)")
    p.set_defaults(run=cmd_follow)
    p = sub.add_parser("unfollow", help="stop following (sends Undo)")
    p.add_argument("slug")
    p.add_argument("target")
    p.set_defaults(run=cmd_unfollow)
    p = sub.add_parser("followers", help="list a group's followers (and pending requests)")
    p.add_argument("slug")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_followers)
    p = sub.add_parser("following", help="list what a group follows")
    p.add_argument("slug")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_following)
    for name, helptext in (
        ("approve", "accept a pending follower"),
        ("reject", "refuse or remove a follower"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("slug")
        p.add_argument("actor", help="the follower's actor URL or handle")
        p.set_defaults(run=cmd_answer, accept=name == "approve")
    p = sub.add_parser("share", help="boost a followed group's article or event (Announce)")
    p.add_argument("slug")
    p.add_argument("object_id")
    p.set_defaults(run=cmd_share)
    p = sub.add_parser("unshare", help="take back a share (Undo Announce)")
    p.add_argument("slug")
    p.add_argument("object_id")
    p.set_defaults(run=cmd_unshare)
    network = sub.add_parser("network", help="what followed groups published").add_subparsers(
        dest="network_command", required=True, metavar="ACTION"
    )
    p = network.add_parser("list", help="newest first; the filters of the /network page")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--query", help="words to search for (every one must match)")
    p.add_argument("--tag")
    p.add_argument("--lang", help="content language, e.g. uk")
    p.add_argument("--type", choices=["article", "event"], dest="kind")
    p.add_argument("--group", help="a group's handle, name@host")
    p.add_argument("--instance", help="a host")
    p.add_argument("--scope", choices=["network", "local", "all"], default="network")
    p.set_defaults(run=cmd_network_list)
    _user_parsers(sub)
    _domain_parsers(sub)
    return parser


def _domain_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    domain = sub.add_parser(
        "domain", help="servers this instance refuses to federate with"
    ).add_subparsers(dest="domain_command", required=True, metavar="ACTION")
    p = domain.add_parser(
        "block", help="cut a server (and its subdomains) off; its follows and posts go"
    )
    p.add_argument("domain", help="example.org (subdomains too), or host:port for one server")
    p.add_argument("--reason", default="", help="a note for the admins (never sent)")
    p.set_defaults(run=cmd_domain_block)
    p = domain.add_parser("unblock", help="federate with a blocked server again")
    p.add_argument("domain")
    p.set_defaults(run=cmd_domain_unblock)
    p = domain.add_parser("list", help="the blocked servers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_domain_list)


def _user_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="accounts that log in (private)").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    p = user.add_parser("create", help="create an account and print its one-time login link")
    p.add_argument("name", help="the login name: 2-32 of a-z, 0-9, _ (never shown publicly)")
    p.add_argument("--role", required=True, choices=["admin", "editor", "member"])
    p.add_argument("--group", metavar="SLUG", help="the group, for an editor or member")
    p.set_defaults(run=cmd_user_create)
    p = user.add_parser("link", help="print a fresh one-time login link for an account")
    p.add_argument("name")
    p.set_defaults(run=cmd_user_link)
    p = user.add_parser("list", help="list the accounts and their roles")
    p.set_defaults(run=cmd_user_list)
    p = user.add_parser("logout-all", help="end every session of an account (a lost device)")
    p.add_argument("name")
    p.set_defaults(run=cmd_user_logout_all)
    p = user.add_parser("invites", help="list the pending invites (id, role, group, expiry)")
    p.set_defaults(run=cmd_user_invites)
    p = user.add_parser("revoke-invite", help="make a pending invite's link stop working")
    p.add_argument("id", type=int, help="the invite's id, from `fedhub user invites`")
    p.set_defaults(run=cmd_user_revoke_invite)


def _text_arguments(p: argparse.ArgumentParser, *, body_required: bool) -> None:
    p.add_argument("--title", required=True)
    p.add_argument("--body-file", type=Path, required=body_required, help="Markdown file")
    p.add_argument("--lang", default=None, help="language code; default: the group's language")


def _edit_arguments(p: argparse.ArgumentParser) -> None:
    """What `article edit` and `event edit` share; an option left out keeps its current value."""
    p.add_argument("id", help="the post's id (URL)")
    p.add_argument("--lang", help="the language version to edit; default: the first one")
    p.add_argument("--title")
    p.add_argument("--body-file", type=Path, help="Markdown file")
    p.add_argument("--tag", action="append", help="a hashtag (repeatable); replaces the tags")
    p.add_argument("--no-tags", action="store_true", help="remove every tag")


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
        await _with_instance(args, _demo_admin)


async def _demo_admin(settings: Settings, database: Database) -> None:
    admin = await accounts.ensure_admin(database)
    print(f"admin account: {admin.name} (`fedhub user link {admin.name}` prints a login link)")


async def cmd_user_create(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        account, token = await accounts.create_user(database, args.name, args.role, args.group)
        role = "admin" if account.is_admin else f"{args.role} of {args.group}"
        print(f"created account {account.name} ({role})")
        print("one-time login link (valid 24 hours):")
        print(accounts.login_link(settings.base_url, token))

    await _with_instance(args, work)


async def cmd_user_link(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        token = await accounts.new_login_link(database, args.name)
        print(f"one-time login link for {args.name} (valid 24 hours):")
        print(accounts.login_link(settings.base_url, token))

    await _with_instance(args, work)


async def cmd_user_list(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        for account in await accounts.list_users(database):
            roles = [f"{role}:{slug}" for slug, role in sorted(account.roles.items())]
            print("\t".join([account.name, "admin" if account.is_admin else "-", " ".join(roles)]))

    await _with_instance(args, work)


async def cmd_user_logout_all(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        await accounts.log_out_everywhere(database, args.name)
        print(f"every session of {args.name} has ended")

    await _with_instance(args, work)


async def cmd_user_invites(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        for invite in await accounts.pending_invites(database):
            expires = invite.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            print("\t".join([str(invite.id), invite.role, invite.group_slug or "-", expires]))

    await _with_instance(args, work)


async def cmd_user_revoke_invite(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        await accounts.revoke_invite(database, args.id)
        print(f"invite {args.id} revoked")

    await _with_instance(args, work)


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
        group = await groups.create_group(
            database,
            args.slug,
            args.name,
            args.summary,
            args.lang,
            manual_approval=args.manual_approval,
        )
        uris = Uris(settings.base_url)
        print(f"created group @{uris.handle(group.slug)}")
        print(uris.group(group.slug))

    await _with_instance(args, work)


async def cmd_group_update(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        approval = None if args.manual_approval is None else args.manual_approval == "on"
        group = await groups.update_group(
            database,
            settings,
            args.slug,
            name=args.name,
            summary=args.summary,
            manual_approval=approval,
            icon=publish.read_upload(args.icon, settings.max_upload_bytes) if args.icon else None,
        )
        manual = "by hand" if group.manually_approves_followers else "automatically"
        print(f"updated {group.slug}: {group.name} (followers approved {manual})")

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


async def _current(
    database: Database, settings: Settings, post_id: str, kind: records.PostKind
) -> records.Post:
    public_id = publish.public_id_from_iri(Uris(settings.base_url), post_id)
    async with database.reading() as session:
        row, slug = await posts.get_post_row(session, public_id)
        if row.kind != kind:
            raise NotFound(f"no {kind} {public_id!r}")
        return (await posts.post_records(session, [(row, slug)]))[0]


def _edited(args: argparse.Namespace, values: dict[str, str]) -> dict[str, str]:
    """The form values with what the options change; the rest stays as published."""
    if args.title is not None:
        values["title"] = args.title
    if args.body_file is not None:
        values["body"] = _read_body(args.body_file)
    if args.no_tags:
        values["tags"] = ""
    elif args.tag is not None:
        values["tags"] = " ".join(args.tag)
    return values


def _version_lang(args: argparse.Namespace, post: records.Post) -> str:
    if args.lang is None:
        return post.lang
    if args.lang not in {text.lang for text in post.texts}:
        raise NotFound(f"this {post.kind} has no {args.lang!r} version")
    return str(args.lang)


async def cmd_article_edit(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        post = await _current(database, settings, args.id, "article")
        values = _edited(args, article_values(post, _version_lang(args, post)))
        draft = validate_article(
            group_slug=post.group_slug,
            lang=values["lang"],
            title=values["title"],
            body_markdown=values["body"],
            summary=values["summary"] if args.summary is None else args.summary,
            tags=values["tags"],
        )
        await edits.edit_article(database, settings, args.id, draft)
        print(f"edited {Uris(settings.base_url).post(post.group_slug, 'article', post.public_id)}")

    await _with_instance(args, work)


async def cmd_event_edit(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        post = await _current(database, settings, args.id, "event")
        values = _edited(args, event_values(post, _version_lang(args, post)))
        changes = {
            "start": args.start, "end": args.end, "timezone": args.timezone,
            "place_name": args.place, "address": args.address, "online_url": args.online_url,
        }  # fmt: skip
        values.update({name: value for name, value in changes.items() if value is not None})
        if args.place == "":  # no venue: its address and position go with it
            values.update(address="", latitude="", longitude="")
        draft = validate_event(
            group_slug=post.group_slug,
            lang=values["lang"],
            title=values["title"],
            body_markdown=values["body"],
            start=values["start"],
            end=values["end"],
            timezone=values["timezone"],
            place_name=values["place_name"],
            address=values["address"],
            online_url=values["online_url"],
            latitude=values["latitude"],
            longitude=values["longitude"],
            tags=values["tags"],
        )
        await edits.edit_event(database, settings, args.id, draft)
        print(f"edited {Uris(settings.base_url).post(post.group_slug, 'event', post.public_id)}")

    await _with_instance(args, work)


async def _with_federation(
    args: argparse.Namespace, work: Callable[[FederationContext], Awaitable[None]]
) -> None:
    async def inner(settings: Settings, database: Database) -> None:
        async with federation(settings, database) as ctx:
            await work(ctx)

    await _with_instance(args, inner)


async def cmd_delete(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        print(f"deleted {await publish.delete_post(database, settings, args.id)}")

    await _with_instance(args, work)


async def cmd_cancel(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        event = await edits.cancel_event(database, settings, args.id)
        uri = Uris(settings.base_url).post(event.group_slug, "event", event.public_id)
        print(f"cancelled {uri}")

    await _with_instance(args, work)


async def cmd_follow(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        actor, state = await follows.follow(ctx, args.slug, args.target)
        print(f"{args.slug} → {actor.uri}: {state}")

    await _with_federation(args, work)


async def cmd_unfollow(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        actor = await follows.unfollow(ctx, args.slug, args.target)
        print(f"{args.slug} no longer follows {actor.uri}")

    await _with_federation(args, work)


async def cmd_answer(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        await follows.answer_follower(ctx, args.slug, args.actor, accept=args.accept)
        print(f"{'approved' if args.accept else 'rejected'} {args.actor}")

    await _with_federation(args, work)


async def cmd_followers(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        async with database.reading() as session:
            local = await follows.local_actor_row(session, args.slug)
            rows = await follow_store.list_followers(session, local.id)
        _print_actors([(actor, row.state) for actor, row in rows], args.json)

    await _with_instance(args, work)


async def cmd_following(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        async with database.reading() as session:
            local = await follows.local_actor_row(session, args.slug)
            rows = await follow_store.list_following(session, local.id)
        _print_actors([(actor, row.state) for actor, row in rows], args.json)

    await _with_instance(args, work)


def _print_actors(rows: list[tuple[RemoteActor, str]], as_json: bool) -> None:
    if as_json:
        listed = [
            {
                "id": a.uri,
                "handle": f"@{a.preferred_username}@{a.domain}",
                "name": a.name,
                "state": s,
            }
            for a, s in rows
        ]
        print(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    for actor, state in rows:
        print(f"{actor.uri}\t@{actor.preferred_username}@{actor.domain}\t{state}")


async def cmd_domain_block(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        blocked = await domain_blocks.block_domain(ctx, args.domain, args.reason)
        print(
            f"blocked {blocked.domain}; removed: {blocked.actors_removed} known account(s) with "
            f"their follows and posts, {blocked.deliveries_dropped} queued delivery(ies)"
        )

    await _with_federation(args, work)


async def cmd_domain_unblock(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        print(f"unblocked {await domain_blocks.unblock_domain(ctx, args.domain)}")

    await _with_federation(args, work)


async def cmd_domain_list(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        blocks = await domain_blocks.list_blocks(ctx)
        if args.json:
            listed = [
                {"domain": b.domain, "reason": b.reason, "since": b.created_at.isoformat()}
                for b in blocks
            ]
            print(json.dumps(listed, ensure_ascii=False, indent=2))
            return
        for b in blocks:
            print(f"{b.domain}\t{b.created_at:%Y-%m-%d}\t{b.reason}")

    await _with_federation(args, work)


async def cmd_share(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        print(await sharing.share(ctx, args.slug, args.object_id))

    await _with_federation(args, work)


async def cmd_unshare(args: argparse.Namespace) -> None:
    async def work(ctx: FederationContext) -> None:
        print(await sharing.unshare(ctx, args.slug, args.object_id))

    await _with_federation(args, work)


async def cmd_network_list(args: argparse.Namespace) -> None:
    async def work(settings: Settings, database: Database) -> None:
        async with database.reading() as session:
            filters = network.NetworkFilters(
                scope=args.scope,
                group=args.group,
                instance=args.instance,
                lang=args.lang,
                tag=args.tag,
                kind=args.kind,
                query=args.query,
            )
            uris = Uris(settings.base_url)
            items = (await network.list_items(session, uris, filters, limit=args.limit)).items
        if args.json:
            print(json.dumps([network.item_json(i) for i in items], ensure_ascii=False, indent=2))
            return
        for item in items:
            when = (item.starts_at or item.published).strftime("%Y-%m-%d %H:%M")
            print(f"{when}\t{item.type}\t{item.actor_handle}\t{item.name or ''}\t{item.uri}")

    await _with_instance(args, work)


def cmd_serve(args: argparse.Namespace) -> None:
    serving.serve(load_settings(args.data, args.database_url), args.host, args.port)


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
