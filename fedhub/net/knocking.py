"""Double-knocking: which HTTP signature scheme each origin accepts, learned by trying both."""

from __future__ import annotations

from collections import OrderedDict

from fedhub.activitypub.signatures import Scheme

# What a server answers when it does not accept a signature (Mastodon and fedhub say 401, some
# servers 400 or 403): the same request is sent once more, signed with the other scheme.
SIGNATURE_REFUSALS = frozenset({400, 401, 403})

# draft-cavage first: every fediverse server checks it, while RFC 9421 is checked only by
# Mastodon 4.5+, Fedify and a few others. An answer does not always tell whether the signature
# was understood (Misskey answers a signed GET it could not check with a stripped-down actor,
# servers that verify later answer 202), so a wrong first guess may go unnoticed: the scheme
# everyone reads is the safe first knock. Mastodon does the same since it signs RFC 9421.
DEFAULT_FIRST_TRY: Scheme = "cavage"


class SchemeMemory:
    """The scheme each origin last accepted, so later requests to it knock only once.

    In process and bounded: the least recently used origins are forgotten past `size`. A
    forgotten origin (or a restart) costs one refused request to an origin that accepts only the
    other scheme, never a lost delivery.
    """

    def __init__(self, first_try: Scheme = DEFAULT_FIRST_TRY, size: int = 10_000) -> None:
        if size < 1:
            raise ValueError("the memory must hold at least one origin")
        self.first_try = first_try
        self.size = size
        self._accepted: OrderedDict[str, Scheme] = OrderedDict()

    def scheme_for(self, origin: str) -> Scheme:
        """The scheme to sign with first: the one `origin` last accepted, else `first_try`."""
        scheme = self._accepted.get(origin)
        if scheme is None:
            return self.first_try
        self._accepted.move_to_end(origin)
        return scheme

    def remember(self, origin: str, scheme: Scheme) -> None:
        self._accepted[origin] = scheme
        self._accepted.move_to_end(origin)
        while len(self._accepted) > self.size:
            self._accepted.popitem(last=False)

    def __len__(self) -> int:
        return len(self._accepted)
