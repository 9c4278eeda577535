"""Sign-in (password, lockout, second factor), activation, enrolment and the managers file
(CCTP 4.1.4.7, annex 7.1.4)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..clientaddress import throttle_source
from . import lockout, securitykeys, services
from .backends import SESSION_STATE
from .forms import CredentialForm, KeyForm, LoginForm, ManagersUploadForm, TotpForm
from .models import TotpDevice
from .perimeters import cci_codes_of, is_national

FAILED = (
    "Identifiant ou mot de passe incorrect. Après plusieurs échecs, la connexion est "
    "suspendue pendant quelques minutes."
)
NEXT = "accounts_next"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return str(settings.LOGIN_REDIRECT_URL)


def _after_login(request: HttpRequest) -> HttpResponse:
    state = request.session.get(SESSION_STATE)
    if state == "verify":
        return redirect("accounts:verify")
    if state == "enrol":
        messages.warning(request, "Votre périmètre couvre plusieurs CCI : ajoutez un second "
                                  "facteur d'authentification pour continuer.")  # fmt: skip
        return redirect("accounts:second-factor")
    return redirect(request.session.pop(NEXT, None) or settings.LOGIN_REDIRECT_URL)


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = False
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"].strip().lower(),
                            password=form.cleaned_data["password"])  # fmt: skip
        if user is None:
            error = True
        else:
            login(request, user)
            request.session[NEXT] = _safe_next(request, request.POST.get("next"))
            return _after_login(request)
    elif request.method == "POST":
        error = True
    if request.GET.get("expiree"):
        messages.info(request, "Votre session a expiré après une période d'inactivité : "
                               "reconnectez-vous.")  # fmt: skip
    return render(request, "accounts/login.html", {
        "form": form, "error": error, "next": request.GET.get("next", ""),
    }, status=200)  # fmt: skip


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@never_cache
@require_http_methods(["GET", "POST"])
def activate_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user: User | None = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/activate.html", {"invalid": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.activate(user, form.cleaned_data["new_password1"])
        messages.success(request, "Votre compte est activé : connectez-vous avec votre adresse "
                                  "électronique et le mot de passe choisi.")  # fmt: skip
        return redirect("accounts:login")
    return render(request, "accounts/activate.html", {"form": form, "account": user})


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _enrolled(request: HttpRequest) -> None:
    if request.session.get(SESSION_STATE) == "enrol":
        request.session[SESSION_STATE] = "ok"
        request.session.cycle_key()


@login_required
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "accounts/second_factor.html", {
        "totp": TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first(),
        "keys": user.security_keys.all(), "required": services.needs_second_factor(user),
        "pending": request.session.get(SESSION_STATE) == "enrol",
    })  # fmt: skip


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def totp_view(request: HttpRequest) -> HttpResponse:
    device = services.start_totp(_user(request))
    if device.confirmed_at is not None:
        messages.info(request, "Une application d'authentification est déjà configurée.")
        return redirect("accounts:second-factor")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.check_totp(device, form.cleaned_data["code"]):
            _enrolled(request)
            messages.success(request, "Application d'authentification enregistrée.")
            return redirect(request.session.pop(NEXT, None) or "accounts:second-factor")
        form.add_error("code", "Code incorrect : vérifiez l'heure de votre téléphone et "
                               "saisissez le code affiché maintenant.")  # fmt: skip
    plain = services.totp_secret(device)
    secret = " ".join(plain[i : i + 4] for i in range(0, len(plain), 4))
    return render(request, "accounts/totp.html",
                  {"form": form, "secret": secret, "uri": services.totp_uri(device)})  # fmt: skip


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def key_view(request: HttpRequest) -> HttpResponse:
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            securitykeys.register(request, _user(request), form.cleaned_data["credential"],
                                  form.cleaned_data["name"])  # fmt: skip
        except securitykeys.KeyRejected as exc:
            messages.error(request, str(exc))
        else:
            _enrolled(request)
            messages.success(request, "Clé de sécurité enregistrée.")
            return redirect(request.session.pop(NEXT, None) or "accounts:second-factor")
    return render(request, "accounts/key.html", {"form": form})


@login_required
@never_cache
@require_GET
def key_options(request: HttpRequest) -> HttpResponse:
    return HttpResponse(securitykeys.registration_options(request, _user(request)),
                        content_type="application/json")  # fmt: skip


def _verify_failed(request: HttpRequest, user: User) -> HttpResponse | None:
    lockout.record_factor_failure(user.username, throttle_source(request))
    if lockout.is_locked(user.username, throttle_source(request)):
        logout(request)
        messages.error(request, FAILED)
        return redirect("accounts:login")
    return None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    if request.session.get(SESSION_STATE) != "verify":
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = _user(request)
    if not services.has_second_factor(user):  # its factors were removed since the password step
        request.session[SESSION_STATE] = "enrol" if services.needs_second_factor(user) else "ok"
        return _after_login(request)
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    totp_form = TotpForm(request.POST if "code" in request.POST else None)
    key_form = CredentialForm(request.POST if "credential" in request.POST else None)
    ok = False
    if request.method == "POST":
        if device is not None and totp_form.is_valid():
            ok = services.check_totp(device, totp_form.cleaned_data["code"])
        elif key_form.is_valid():
            try:
                securitykeys.authenticate(request, user, key_form.cleaned_data["credential"])
                ok = True
            except securitykeys.KeyRejected:
                ok = False
        if ok:
            request.session[SESSION_STATE] = "ok"
            request.session.cycle_key()
            lockout.clear_account(user.username)
            return redirect(request.session.pop(NEXT, None) or settings.LOGIN_REDIRECT_URL)
        if (locked := _verify_failed(request, user)) is not None:
            return locked
        messages.error(request, "Vérification refusée : code ou clé incorrect.")
    return render(request, "accounts/verify.html", {
        "totp_form": totp_form if device else None, "has_keys": user.security_keys.exists(),
    })  # fmt: skip


@login_required
@never_cache
@require_GET
def verify_key_options(request: HttpRequest) -> HttpResponse:
    if request.session.get(SESSION_STATE) != "verify":
        raise PermissionDenied
    return HttpResponse(securitykeys.authentication_options(request, _user(request)),
                        content_type="application/json")  # fmt: skip


@require_POST
def session_ping(request: HttpRequest) -> HttpResponse:
    """Called by the idle warning's "stay signed in" button; the middleware did the rest."""
    return HttpResponse(status=204 if request.user.is_authenticated else 401)


# Accounts of the perimeter -----------------------------------------------------------------

MANAGE = "accounts.manage_accounts"


def _visible_accounts(request: HttpRequest) -> QuerySet[User]:
    """Accounts whose whole perimeter lies inside the viewer's (NATIONAL: every account)."""
    users = User.objects.select_related("perimeter").prefetch_related("groups").order_by("username")
    codes = cci_codes_of(request.user)
    if codes is None:
        return users
    inside = [u.pk for u in users.filter(perimeter__national=False)
              if u.perimeter.cci_codes and set(u.perimeter.cci_codes) <= codes]  # fmt: skip
    return users.filter(pk__in=inside)


@login_required
@permission_required(MANAGE, raise_exception=True)
def account_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/list.html",
                  {"accounts": _visible_accounts(request), "national": is_national(request.user)})  # fmt: skip


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def resend_activation(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_visible_accounts(request), pk=pk)
    if account.is_active:
        raise Http404
    try:
        services.send_activation(account)  # link built from SCRUTIN_SITE_URL, never the Host
    except services.MailUnavailable as exc:
        messages.error(request, f"Lien non envoyé à {account.email} : {exc}")
    else:
        messages.success(request, f"Lien d'activation renvoyé à {account.email}.")
    return redirect("accounts:list")


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def account_import(request: HttpRequest) -> HttpResponse:
    if not is_national(request.user):
        raise PermissionDenied  # one file for every CCI (annex 7.1.4): CCI France only
    form = ManagersUploadForm(request.POST or None, request.FILES or None)
    result: Any = None
    if request.method == "POST" and form.is_valid():
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"gestionnaires-{uuid.uuid4().hex}.csv"
        with path.open("wb") as fh:
            for chunk in form.cleaned_data["file"].chunks():
                fh.write(chunk)
        try:
            result = services.import_managers(path)  # links from SCRUTIN_SITE_URL
        finally:
            path.unlink(missing_ok=True)
    return render(request, "accounts/import.html", {"form": form, "result": result})
