"""The editors' pages for a group's articles and events: write, preview, edit, translate,
delete and cancel, all through the same actions as the CLI, all working without JavaScript.

Every POST answers with a redirect to a page saying what happened (`?done=…`); a refused form
is shown again with what was typed and each reason next to its field, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from fedhub.actions.edits import cancel_event, edit_article, edit_event
from fedhub.actions.publish import (
    Upload,
    add_translation,
    delete_post,
    make_upload,
    publish_article,
    publish_event,
)
from fedhub.domain import records
from fedhub.domain.content import render_markdown
from fedhub.errors import InvalidInput, NotFound
from fedhub.store import actors, follows, posts
from fedhub.web.auth import require_group_role
from fedhub.web.editor_forms import (
    ARTICLE_FIELDS,
    EVENT_FIELDS,
    TRANSLATION_FIELDS,
    Checked,
    article_values,
    check_article,
    check_event,
    check_translation,
    event_values,
    form_values,
    language_choices,
    zone_choices,
)
from fedhub.web.render import page
from fedhub.web.state import DATABASE, FEDERATION, SETTINGS

# What a redirect after a POST may announce; anything else in `?done=` is ignored.
DONE = frozenset(
    {
        "published", "saved", "translated", "deleted", "cancelled", "approved", "rejected",
        "removed", "followed", "unfollowed", "settings",
    }
)  # fmt: skip
Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


def editor_page(
    request: web.Request, template: str, status: int = 200, **context: Any
) -> web.Response:
    """A page for one editor: never cached, by the browser or anyone between."""
    done = request.query.get("done")
    response = page(
        request, template, status=status, done=done if done in DONE else None, **context
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def done(slug: str, what: str, path: str = "") -> web.HTTPSeeOther:
    """Redirect-after-post to the dashboard (or one of its pages) announcing `what`."""
    assert what in DONE
    return web.HTTPSeeOther(f"/editor/{slug}{path}?done={what}")


async def group_for_editor(request: web.Request) -> records.Group:
    """The group of the URL, once the logged-in account may edit it (403, or a login redirect)."""
    slug = request.match_info["slug"]
    await require_group_role(request, slug)
    async with request.app[DATABASE].reading() as session:
        return await actors.get_group(session, slug)


async def dashboard(request: web.Request) -> web.Response:
    group = await group_for_editor(request)
    async with request.app[DATABASE].reading() as session:
        row = await actors.get_group_row(session, group.slug)
        recent = await posts.list_posts(session, slug=group.slug, limit=100)
        total = await posts.count_posts(session, slug=group.slug)
        followers = await follows.list_followers(session, row.id)
        following = await follows.list_following(session, row.id)
    return editor_page(
        request,
        "editor/dashboard.html",
        group=group,
        posts=recent,
        total=total,
        followers=sum(1 for _, f in followers if f.state == "accepted"),
        pending=sum(1 for _, f in followers if f.state == "pending"),
        following=len(following),
    )


# --- articles and events: one flow, what differs is in `PostForm` ----------------------


@dataclass(frozen=True)
class PostForm:
    """What the article and the event forms do differently; the write-preview-publish flow,
    and the edit flow, are the same for both."""

    kind: records.PostKind
    fields: tuple[str, ...]
    template: str
    check: Callable[[str, Mapping[str, str]], Checked[Any]]
    values_of: Callable[[records.Post, str], dict[str, str]]
    publish: Callable[..., Awaitable[records.Post]]
    edit: Callable[..., Awaitable[records.Post]]
    defaults: Mapping[str, str] = field(default_factory=dict)
    choices: Callable[[], dict[str, Any]] = dict


def _zones() -> dict[str, Any]:
    common_zones, other_zones = zone_choices()
    return {"common_zones": common_zones, "other_zones": other_zones}


FORMS: dict[str, PostForm] = {
    "articles": PostForm(
        "article", ARTICLE_FIELDS, "editor/article_form.html", check_article, article_values,
        publish_article, edit_article,
    ),
    "events": PostForm(
        "event", EVENT_FIELDS, "editor/event_form.html", check_event, event_values,
        publish_event, edit_event, defaults={"timezone": "Europe/Kyiv"}, choices=_zones,
    ),
}  # fmt: skip


async def new_post(request: web.Request) -> web.Response:
    group = await group_for_editor(request)
    kind = FORMS[request.match_info["kinds"]]
    if request.method == "GET":
        values = dict.fromkeys(kind.fields, "") | {"lang": group.lang, **kind.defaults}
        return _post_form(request, kind, group, values)
    form = await request.post()
    values = form_values(form, kind.fields)
    checked = kind.check(group.slug, values)
    uploads = _uploads(request, form, checked.errors)
    if checked.draft is None or checked.errors or _previewing(form):
        return _post_form(request, kind, group, values, checked.errors, preview=_previewing(form))
    await kind.publish(request.app[DATABASE], request.app[SETTINGS], checked.draft, uploads)
    request.app[FEDERATION].wake_delivery()
    raise done(group.slug, "published")


async def edit_post(request: web.Request) -> web.Response:
    group = await group_for_editor(request)
    kind = FORMS[request.match_info["kinds"]]
    post = await _post(request, group, kind.kind)
    if request.method == "GET":
        lang = _version(post, request.query.get("lang"))
        return _post_form(request, kind, group, kind.values_of(post, lang), post=post)
    form = await request.post()
    values = form_values(form, kind.fields)
    values["lang"] = _version(post, values["lang"])
    checked = kind.check(group.slug, values)
    uploads = _uploads(request, form, checked.errors)
    remove = [value for value in form.getall("remove", []) if isinstance(value, str)]
    if checked.draft is None or checked.errors or _previewing(form):
        return _post_form(
            request, kind, group, values, checked.errors, post=post, preview=_previewing(form)
        )
    await kind.edit(
        request.app[DATABASE],
        request.app[SETTINGS],
        post.public_id,
        checked.draft,
        uploads=uploads,
        remove_files=remove,
    )
    request.app[FEDERATION].wake_delivery()
    raise done(group.slug, "saved")


def _post_form(
    request: web.Request,
    kind: PostForm,
    group: records.Group,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    *,
    post: records.Post | None = None,
    preview: bool = False,
) -> web.Response:
    errors = errors or {}
    return editor_page(
        request,
        kind.template,
        status=400 if errors else 200,
        group=group,
        post=post,
        values=values,
        errors=errors,
        preview=_preview_html(values["body"]) if preview and "body" not in errors else None,
        languages=language_choices(),
        **kind.choices(),
    )


async def cancel_event_page(request: web.Request) -> web.Response:
    """A confirmation page, then the cancellation: followers see the event marked cancelled."""
    group = await group_for_editor(request)
    post = await _post(request, group, "event")
    if request.method == "GET":
        return editor_page(request, "editor/confirm.html", group=group, post=post, what="cancel")
    await request.post()
    await cancel_event(request.app[DATABASE], request.app[SETTINGS], post.public_id, group.slug)
    request.app[FEDERATION].wake_delivery()
    raise done(group.slug, "cancelled")


# --- any post ----------------------------------------------------------------------------


async def translate_page(request: web.Request) -> web.Response:
    """Another language of the same post: followers get an Update, not a second post."""
    group = await group_for_editor(request)
    kind: records.PostKind = "event" if request.match_info["kinds"] == "events" else "article"
    post = await _post(request, group, kind)
    if request.method == "GET":
        values = dict.fromkeys(TRANSLATION_FIELDS, "")
        return _translation_form(request, group, post, values)
    form = await request.post()
    values = form_values(form, TRANSLATION_FIELDS)
    checked = check_translation(values, is_article=kind == "article")
    if checked.draft is not None and values["lang"] and checked.draft.lang in post_langs(post):
        checked.errors["lang"] = f"this {kind} already has a {checked.draft.lang!r} version"
    if checked.draft is None or checked.errors or _previewing(form):
        return _translation_form(request, group, post, values, checked.errors, _previewing(form))
    draft = checked.draft
    await add_translation(
        request.app[DATABASE],
        request.app[SETTINGS],
        post.public_id,
        lang=draft.lang,
        title=draft.title,
        body_markdown=draft.body_markdown,
        summary=draft.summary or "",
    )
    request.app[FEDERATION].wake_delivery()
    raise done(group.slug, "translated")


def _translation_form(
    request: web.Request,
    group: records.Group,
    post: records.Post,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    preview: bool = False,
) -> web.Response:
    errors = errors or {}
    return editor_page(
        request,
        "editor/translate.html",
        status=400 if errors else 200,
        group=group,
        post=post,
        values=values,
        errors=errors,
        preview=_preview_html(values["body"]) if preview and "body" not in errors else None,
        languages=[
            (code, name) for code, name in language_choices() if code not in post_langs(post)
        ],
    )


async def delete_page(request: web.Request) -> web.Response:
    """A confirmation page, then the deletion: the post's address answers 410 Gone."""
    group = await group_for_editor(request)
    kind: records.PostKind = "event" if request.match_info["kinds"] == "events" else "article"
    post = await _post(request, group, kind)
    if request.method == "GET":
        return editor_page(request, "editor/confirm.html", group=group, post=post, what="delete")
    await request.post()
    await delete_post(request.app[DATABASE], request.app[SETTINGS], post.public_id)
    request.app[FEDERATION].wake_delivery()
    raise done(group.slug, "deleted")


def post_langs(post: records.Post) -> set[str]:
    return {text.lang for text in post.texts}


async def _post(request: web.Request, group: records.Group, kind: records.PostKind) -> records.Post:
    """The post of the URL, only within the editor's group (another group's is not found)."""
    async with request.app[DATABASE].reading() as session:
        return await posts.get_post(session, group.slug, kind, request.match_info["public_id"])


def _version(post: records.Post, lang: str | None) -> str:
    """The language version to edit: the one asked for, or the primary one."""
    if not lang:
        return post.lang
    if lang not in post_langs(post):
        raise NotFound(f"this {post.kind} has no {lang!r} version")
    return lang


def _previewing(form: Form) -> bool:
    return form.get("action") == "preview"


def _preview_html(body: str) -> str:
    """The body as followers will see it: the very renderer and sanitiser used to publish."""
    return render_markdown(body)


def _uploads(request: web.Request, form: Form, errors: dict[str, str]) -> list[Upload]:
    """The files chosen in the form, checked by content, metadata stripped.

    A refused file puts its reason on the `files` field; a file over the size limit is a 413.
    """
    uploads = []
    max_bytes = request.app[SETTINGS].max_upload_bytes
    for part in form.getall("files", []):
        if not isinstance(part, web.FileField):
            continue
        data = part.file.read()
        if not data and not part.filename:
            continue  # the browser sends an empty part when no file was chosen
        try:
            uploads.append(
                make_upload(
                    part.filename or "file", data, max_bytes, declared_type=part.content_type
                )
            )
        except InvalidInput as error:
            errors["files"] = error.reason
    return uploads
