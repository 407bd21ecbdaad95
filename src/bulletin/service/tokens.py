"""Signed values of the service: confirmation links, form (CSRF) tokens, unsubscribe tokens,
webhook signatures. All are HMAC-SHA256 with the unsubscribe secret, checked in constant time;
each kind signs under its own label, so that one can never stand in for another."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

from bulletin.mail.message import unsubscribe_token

CONFIRM_SECONDS = 48 * 3600
"""How long a confirmation link stays valid."""
_CONFIRM = b"bulletin confirm\n"
_FORM = b"bulletin form\n"


def _sign(secret: bytes, label: bytes, payload: bytes) -> str:
    return hmac.new(secret, label + payload, hashlib.sha256).hexdigest()[:32]


def confirmation_token(secret: bytes, email: str, now: float | None = None) -> str:
    """`base64url(email|expiry)` + `.` + 32 hex of its HMAC: the token of a confirmation link,
    valid for 48 hours."""
    expiry = int(now if now is not None else time.time()) + CONFIRM_SECONDS
    payload = f"{email}|{expiry}".encode()
    encoded = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{encoded}.{_sign(secret, _CONFIRM, payload)}"


def confirmed_address(secret: bytes, token: str, now: float | None = None) -> str | None:
    """The address a confirmation token was made for, or None when the token was altered,
    is malformed or has expired."""
    encoded, _, signature = token.partition(".")
    if not encoded or len(token) > 600:
        return None
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(_sign(secret, _CONFIRM, payload), signature):
        return None
    email, _, expiry = payload.decode("utf-8", "replace").rpartition("|")
    if not email or not expiry.isdigit():
        return None
    return email if int(expiry) >= (now if now is not None else time.time()) else None


def form_token(secret: bytes) -> str:
    """A new form token: a random nonce and its HMAC. The form page puts it both in a cookie
    and in a hidden field (a signed double submit); nothing is kept on the server."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, _FORM, nonce.encode())}"


def form_token_valid(secret: bytes, cookie: str, field: str) -> bool:
    """Whether the form's hidden token equals the cookie's and was signed with the secret."""
    nonce, _, signature = field.partition(".")
    same = hmac.compare_digest(cookie.encode(), field.encode())
    return (
        same
        and bool(nonce)
        and hmac.compare_digest(_sign(secret, _FORM, nonce.encode()), signature)
    )


def unsubscribe_token_valid(secret: bytes, email: str, token: str) -> bool:
    """Whether `token` is the address's unsubscribe token, the one its messages carry."""
    return hmac.compare_digest(unsubscribe_token(secret, email).encode(), token.encode())


def body_signature(secret: bytes, body: bytes) -> str:
    """The `X-Bulletin-Signature` header value of a webhook body: `sha256=` + 64 hex."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def body_signature_valid(secret: bytes, body: bytes, header: str) -> bool:
    """Whether the header is the body's signature (constant-time compare)."""
    return hmac.compare_digest(body_signature(secret, body).encode(), header.strip().encode())
