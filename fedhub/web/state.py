"""Typed keys for what the application holds (no globals, no service locator)."""

from __future__ import annotations

import jinja2
from aiohttp import web

from fedhub.delivery.worker import DeliveryWorker
from fedhub.federation.context import FederationContext
from fedhub.settings import Settings
from fedhub.store.database import Database
from fedhub.uris import Uris
from fedhub.web.i18n import Catalogues
from fedhub.web.static_files import StaticFiles

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
URIS = web.AppKey("uris", Uris)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
FEDERATION = web.AppKey("federation", FederationContext)
WORKER = web.AppKey("delivery_worker", DeliveryWorker)
CATALOGUES = web.AppKey("catalogues", Catalogues)
STATIC = web.AppKey("static_files", StaticFiles)
