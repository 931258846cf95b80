"""Reading a request body with a size limit, for the plain HTTP routes beside the app.

Starlette reads a whole body into memory when asked; a client can send gigabytes, or a chunked
body with no ``Content-Length`` at all. ``read_body`` refuses a declared length over the limit
before reading anything, and otherwise counts the bytes as they arrive:

    body = await read_body(request, limit=1_000_000)   # raises BodyTooLarge (413) past the limit
"""

from __future__ import annotations


class BodyTooLarge(Exception):
    """The body is over the limit; the message says by how much, for a 413 answer."""

    status = 413


async def read_body(request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"The payload is {int(declared):,} bytes; the limit is {limit:,}.")
    body = bytearray()
    async for chunk in request.stream():     # a chunked upload has no length: count as it comes
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"The payload is over the limit of {limit:,} bytes.")
    return bytes(body)
