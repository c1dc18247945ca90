"""Refusals the API maps to a 4xx with {code, message}. Exceptions here are expected outcomes."""


class Refused(Exception):
    """A request refused for a reason the caller can act on; nothing was changed."""

    status = 422

    def __init__(self, code: str, message: str, *, status: int | None = None, body: object = None):
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.body = body  # extra detail for the response (for example the rejected order)


class NotFound(Refused):
    status = 404


class Unauthorized(Refused):
    status = 401


class Conflict(Refused):
    status = 409
