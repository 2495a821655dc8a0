"""The exceptions every layer raises for a refused request; the web and CLI map them in one place."""


class FedhubError(Exception):
    """Base of the errors a user can cause; the message is the reason shown to them."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidInput(FedhubError):
    """Input that fails validation (a bad date, an unknown time zone, a missing file)."""

    status = 400


class NotFound(FedhubError):
    """The thing asked for does not exist here (an unknown group, article or event)."""

    status = 404


class Conflict(FedhubError):
    """The request clashes with what exists (a group slug already taken)."""

    status = 409


class InvalidDocument(FedhubError):
    """An ActivityStreams document that fails its JSON Schema."""

    status = 422


class NotConfigured(FedhubError):
    """The data folder holds no instance yet (run `fedhub init`)."""

    status = 500


class Unauthorized(FedhubError):
    """A request whose signature is missing, malformed or does not verify."""

    status = 401


class Forbidden(FedhubError):
    """A signed request that asks for something its actor may not do (another's object)."""

    status = 403


class PayloadTooLarge(FedhubError):
    status = 413


class Gone(FedhubError):
    """The thing existed and was deleted (an article's id answers 410, as peers expect)."""

    status = 410
