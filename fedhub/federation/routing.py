"""The one routing table from incoming activity types to their handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fedhub.federation.handlers import announce, answer, block, create, delete, follow, undo
from fedhub.federation.inbox import Delivered

Handler = Callable[[Delivered], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "Follow": follow.handle,
    "Accept": answer.handle,
    "Reject": answer.handle,
    "Undo": undo.handle,
    "Create": create.handle,
    "Update": create.handle,
    "Delete": delete.handle,
    "Announce": announce.handle,
    "Block": block.handle,
}


async def route(incoming: Delivered) -> bool:
    """Run the activity's handler; False for types fedhub does not handle (accepted, ignored)."""
    handler = HANDLERS.get(incoming.type)
    if handler is None:
        return False
    await handler(incoming)
    return True
