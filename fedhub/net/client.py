"""The one HTTP client that reaches other servers: address policy, size and time caps, signing."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from fedhub.activitypub.http_messages import parse_http_date
from fedhub.activitypub.media_types import ACTIVITY_JSON, AS_PROFILE
from fedhub.activitypub.signatures import Scheme, other_scheme, sign_request_as
from fedhub.errors import FedhubError
from fedhub.net.addresses import address_refusal, parse_address
from fedhub.net.knocking import SIGNATURE_REFUSALS, SchemeMemory

log = logging.getLogger("fedhub.net")

ACTIVITY_ACCEPT = f'{ACTIVITY_JSON}, application/ld+json; profile="{AS_PROFILE}"'
GET_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# A POST is followed only where HTTP keeps its method and body; any other 3xx goes back as is.
POST_REDIRECTS = frozenset({307, 308})
EXCERPT_BYTES = 1024
MAX_RETRY_AFTER = timedelta(days=366)
_CHUNK = 64 * 1024


class FetchError(FedhubError):
    """Another server could not be reached or answered unusably; `remote_status` when it answered.

    A FedhubError so that a web request that needed the fetch answers 502 with the reason.
    """

    status = 502

    def __init__(self, reason: str, *, remote_status: int | None = None) -> None:
        super().__init__(reason)
        self.remote_status = remote_status


class BlockedAddress(FetchError):
    """The URL, or a redirect, leads to an address this instance must not connect to."""

    status = 400


@dataclass(frozen=True)
class Signer:
    """Whose key signs a request: the actor's key id (`…#main-key`) and its private key."""

    key_id: str
    private_key_pem: str


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise FetchError(f"{self.url} did not answer with JSON") from error


@dataclass(frozen=True)
class Posted:
    """What a delivery got back; the delivery worker decides what the status means."""

    status: int
    retry_after: datetime | None
    body_excerpt: str


class GuardedResolver(AbstractResolver):
    """Resolves with aiohttp's resolver and keeps only the addresses the policy allows."""

    def __init__(self, *, allow_private: bool, inner: AbstractResolver) -> None:
        self._allow_private = allow_private
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        refusals: list[str] = []
        for result in results:
            address = parse_address(result["host"])
            refusal = (
                f"unreadable address {result['host']}"
                if address is None
                else address_refusal(address, allow_private=self._allow_private)
            )
            if refusal is None:
                allowed.append(result)
            else:
                refusals.append(refusal)
        if not allowed:
            raise BlockedAddress(f"{host} resolves to no allowed address: " + "; ".join(refusals))
        return allowed

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True)
class _Answer:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


class GuardedClient:
    """The only code that opens outgoing sockets; make one per process and `close()` it.

    Addresses are checked after resolution, in the resolver aiohttp connects with, so a name
    that resolves to a private address (DNS rebinding) is refused before any socket opens; IP
    literals, which aiohttp does not resolve, are checked before the request. Redirects are
    followed by hand, each hop checked again and signed afresh for its own URL.

    A signed request double-knocks: signed with the scheme its origin last accepted (`schemes`),
    and if that is refused (400, 401, 403), sent once more signed with the other scheme.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        user_agent: str,
        timeout: float = 15.0,
        max_bytes: int = 2 * 1024 * 1024,
        max_redirects: int = 3,
        schemes: SchemeMemory | None = None,
    ) -> None:
        self.schemes = schemes if schemes is not None else SchemeMemory()
        self._allow_private = allow_private
        self._user_agent = user_agent
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GuardedClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def get_activity(self, url: str, *, signer: Signer | None) -> Fetched:
        """GET an ActivityStreams document, signed when `signer` is given (authorized fetch)."""
        return await self.get(url, accept=ACTIVITY_ACCEPT, signer=signer)

    async def get(self, url: str, *, accept: str, signer: Signer | None = None) -> Fetched:
        """GET anything (WebFinger, NodeInfo); a status other than 2xx is a FetchError."""
        answer = await self._exchange(
            "GET", url, None, {"Accept": accept}, signer, GET_REDIRECTS, self._max_bytes
        )
        return Fetched(answer.url, answer.status, answer.headers, answer.body)

    async def post_activity(self, url: str, body: bytes, *, signer: Signer) -> Posted:
        """POST a signed activity; any status comes back, network failures are FetchErrors."""
        headers = {"Content-Type": ACTIVITY_JSON, "Accept": ACTIVITY_ACCEPT}
        answer = await self._exchange("POST", url, body, headers, signer, POST_REDIRECTS, None)
        return Posted(
            answer.status,
            parse_retry_after(answer.headers.get("Retry-After"), datetime.now(UTC)),
            answer.body.decode("utf-8", "replace"),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running loop, as aiohttp wants."""
        if self._session is None:
            resolver = GuardedResolver(allow_private=self._allow_private, inner=DefaultResolver())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver, ttl_dns_cache=60),
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                headers={"User-Agent": self._user_agent},
                cookie_jar=aiohttp.DummyCookieJar(),  # no state carried from one server to another
                trust_env=False,  # a proxy from the environment would bypass the address policy
            )
        return self._session

    async def _exchange(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        signer: Signer | None,
        follow: frozenset[int],
        strict_limit: int | None,
    ) -> _Answer:
        """One request with its redirects, all within `timeout`.

        With `strict_limit` a non-2xx status or a body past the limit is a FetchError; without
        it (deliveries) any status is returned with the first EXCERPT_BYTES of the body.
        """
        try:
            async with asyncio.timeout(self._timeout):
                return await self._follow(method, url, body, headers, signer, follow, strict_limit)
        except TimeoutError as error:
            raise FetchError(f"{method} {url} took longer than {self._timeout:g}s") from error
        except (aiohttp.ClientError, OSError, ValueError) as error:
            raise FetchError(f"{method} {url} failed: {error or type(error).__name__}") from error

    async def _follow(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        signer: Signer | None,
        follow: frozenset[int],
        strict_limit: int | None,
    ) -> _Answer:
        session = self._open_session()
        current = self._checked(URL(url))
        for _ in range(self._max_redirects + 1):
            async with await self._knock(
                session, method, current, body, headers, signer
            ) as response:
                location = response.headers.get("Location")
                if response.status in follow and location:
                    current = self._redirect(current, location)
                    continue
                status = response.status
                if strict_limit is not None and not 200 <= status < 300:
                    raise FetchError(f"{method} {current} answered {status}", remote_status=status)
                data = await self._read(response, strict_limit)
                answer_headers = CIMultiDictProxy(CIMultiDict(response.headers))
                return _Answer(str(current), status, answer_headers, data)
        raise FetchError(f"{method} {url}: more than {self._max_redirects} redirects")

    async def _knock(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        body: bytes | None,
        headers: Mapping[str, str],
        signer: Signer | None,
    ) -> aiohttp.ClientResponse:
        """Send one hop; a signed one whose signature is refused is sent again with the other scheme.

        A scheme is remembered for the origin once it is answered with anything but a refusal
        or a server error (which says nothing about the signature).
        """
        if signer is None:
            return await session.request(
                method, url, data=body, headers=headers, allow_redirects=False
            )
        origin = str(url.origin())
        scheme = self.schemes.scheme_for(origin)
        response = await self._send_signed(session, method, url, body, headers, signer, scheme)
        if response.status in SIGNATURE_REFUSALS:
            response.release()
            refused, scheme = scheme, other_scheme(scheme)
            log.debug(
                "%s refused a %s signature (%d); knocking again with %s",
                origin,
                refused,
                response.status,
                scheme,
            )
            response = await self._send_signed(session, method, url, body, headers, signer, scheme)
        if response.status not in SIGNATURE_REFUSALS and response.status < 500:
            self.schemes.remember(origin, scheme)
        return response

    async def _send_signed(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        body: bytes | None,
        headers: Mapping[str, str],
        signer: Signer,
        scheme: Scheme,
    ) -> aiohttp.ClientResponse:
        signature = sign_request_as(
            scheme,
            method=method,
            url=str(url),
            body=body,
            key_id=signer.key_id,
            private_key_pem=signer.private_key_pem,
            now=datetime.now(UTC),
        )
        return await session.request(
            method, url, data=body, headers={**headers, **signature}, allow_redirects=False
        )

    def _checked(self, url: URL) -> URL:
        """Only http(s), no user info; an IP literal must pass the address policy here."""
        if url.scheme not in ("http", "https") or not url.host:
            raise FetchError(f"refusing to fetch {url}: only http and https URLs")
        if url.user is not None or url.password is not None:
            raise FetchError(f"refusing to fetch {url.with_user(None)}: URL carries credentials")
        address = parse_address(url.host)
        if address is not None:
            refusal = address_refusal(address, allow_private=self._allow_private)
            if refusal is not None:
                raise BlockedAddress(refusal)
        return url.with_fragment(None)

    def _redirect(self, current: URL, location: str) -> URL:
        target = self._checked(current.join(URL(location)))
        if current.scheme == "https" and target.scheme == "http":
            raise FetchError(f"refusing redirect from {current} to plain-HTTP {target}")
        return target

    async def _read(self, response: aiohttp.ClientResponse, strict_limit: int | None) -> bytes:
        """Read while counting, so a huge or endless body costs at most the limit."""
        limit = EXCERPT_BYTES if strict_limit is None else strict_limit
        too_large = f"{response.url} sent more than {limit} bytes"
        if strict_limit is not None and (response.content_length or 0) > limit:
            raise FetchError(too_large)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            if size + len(chunk) > limit:
                if strict_limit is not None:
                    raise FetchError(too_large)
                chunks.append(chunk[: limit - size])
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), capped at a year ahead."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return now + min(timedelta(seconds=min(int(value), 10**9)), MAX_RETRY_AFTER)
    moment = parse_http_date(value)
    if moment is None:
        return None
    return min(moment, now + MAX_RETRY_AFTER)
