"""The editors' URL map, on one screen: everything under /editor/{slug}/ needs an editor's role."""

from __future__ import annotations

from aiohttp import web

from fedhub.web import editor_social_views as social
from fedhub.web import editor_views as posts

SLUG = r"{slug:[a-z0-9_]{1,64}}"
PUBLIC_ID = r"{public_id:[A-Za-z0-9_-]{1,32}}"
ANY_POST = rf"{{kinds:articles|events}}/{PUBLIC_ID}"


def add_editor_routes(app: web.Application) -> None:
    base = f"/editor/{SLUG}"
    pages = [
        ("", posts.dashboard, False),
        ("/{kinds:articles|events}/new", posts.new_post, True),
        (f"/{ANY_POST}/edit", posts.edit_post, True),
        (f"/events/{PUBLIC_ID}/cancel", posts.cancel_event_page, True),
        (f"/{ANY_POST}/translate", posts.translate_page, True),
        (f"/{ANY_POST}/delete", posts.delete_page, True),
        ("/followers", social.followers_page, False),
        ("/following", social.following_page, False),
    ]
    routes = [web.get(base + path, view) for path, view, _ in pages]
    # A form page posts to its own address: a refused form comes back with what was typed.
    routes += [
        web.post(base + path, view) for path, view, posts_to_itself in pages if posts_to_itself
    ]
    routes += [
        web.post(f"{base}/followers", social.answer_follower_form),
        web.post(f"{base}/followers/settings", social.approval_setting),
        web.post(f"{base}/following", social.follow_form),
        web.post(f"{base}/following/unfollow", social.unfollow_form),
    ]
    app.router.add_routes(routes)
