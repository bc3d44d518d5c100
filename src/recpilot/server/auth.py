"""Authentication for HTTP: a bearer (or ``X-API-Key``) key resolved through the key ring.

The authorisation rule itself (:class:`Principal`, :func:`act_for`) and the key ring (keys
in configuration plus keys in the memory store, created and revoked while servers run) live
in :mod:`recpilot.service`, shared with MCP.
"""

from __future__ import annotations

from recpilot.service.access import Forbidden, Principal, Unauthenticated, act_for
from recpilot.service.keys import KeyRing

__all__ = ["Forbidden", "Principal", "Unauthenticated", "act_for", "authenticate", "bearer"]


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(
    keys: KeyRing, authorization: str | None, x_api_key: str | None, anonymous: Principal | None
) -> Principal:
    """The caller; blocking (a stored key is one database read), so call it off the loop."""
    key = bearer(authorization) or (x_api_key or None)
    if key is None:
        if anonymous is not None:
            return anonymous
        raise Unauthenticated(
            "missing API key: send 'Authorization: Bearer <key>' (create one with "
            "'recpilot keys create --user ID')"
        )
    principal = keys.lookup(key)
    if principal is None:
        raise Unauthenticated("unknown or revoked API key")
    return principal
