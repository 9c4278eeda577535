"""Checking a user's perimeter: every view, export and command that touches a CCI's data asks
``can_access_cci`` (or uses ``perimeter_required``) in addition to the permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .models import Perimeter

F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def perimeter_of(user: Any) -> Perimeter | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.perimeter  # type: ignore[no-any-return]
    except Perimeter.DoesNotExist:
        return None


def is_national(user: Any) -> bool:
    perimeter = perimeter_of(user)
    return perimeter is not None and perimeter.national


def can_access_cci(user: Any, cci_code: str) -> bool:
    """True if ``cci_code`` is inside the user's perimeter (no perimeter: nothing)."""
    perimeter = perimeter_of(user)
    return perimeter is not None and perimeter.covers(cci_code)


def cci_codes_of(user: Any) -> set[str] | None:
    """The CCI codes the user may see; ``None`` means all of them (NATIONAL)."""
    perimeter = perimeter_of(user)
    if perimeter is None:
        return set()
    return None if perimeter.national else set(perimeter.cci_codes)


def perimeter_required(permission: str, cci_kwarg: str | None = None) -> Callable[[F], F]:
    """Signed-in user with ``permission``; if ``cci_kwarg`` names a URL argument holding a CCI
    code, that CCI must be in the user's perimeter (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(permission):
                raise PermissionDenied
            if cci_kwarg is not None and not can_access_cci(request.user, str(kwargs[cci_kwarg])):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorator
