"""API tokens are log-ins (django-rest-knox, model :class:`recpnet.models.ApiToken`).

Issuing one passes the gates of the log-in page — django-allauth's authentication with its
per-account and per-address limits, a verified email, the authenticator code with its own
limit — and the second-factor rule for reviewers. A token is hashed, named, expiring and
revocable, and every token of an account is revoked when what its log-in proved changes: the
password, the email address, the two-factor settings, a role, or the account's activity (the
receivers at the end of this module, connected for every path — pages, admin, shell).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from recpnet.addresses import client_address
from recpnet.models import ApiToken
from recpnet.security import record


class TooManyAttempts(Exception):
    """The log-in limits refuse this attempt (per account, per address or per code)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _limited(error: ValidationError) -> bool:
    return any(e.code == "too_many_login_attempts" for e in error.error_list)


def token_issue(
    *, request: HttpRequest, email: str, password: str, code: str = "", name: str = ""
) -> tuple[ApiToken, str]:
    """A new token for the account with this email and password (and authenticator code when
    the account has two-factor authentication). Returns the token row and its key, which is
    shown this once. Raises ``ValidationError`` (naming the field), ``TooManyAttempts`` or
    ``PermissionDenied`` (a reviewer without two-factor authentication)."""
    from recpnet.mfa import mfa_required_message, needs_mfa

    email = email.strip().lower()
    adapter = get_adapter(request)
    with context.request_context(request):
        try:
            user: Any = adapter.authenticate(request, email=email, password=password)
        except ValidationError as exc:
            if _limited(exc):  # recorded as a lockout by the adapter (recpnet.adapters)
                raise TooManyAttempts(exc.messages[0]) from None
            raise
        if user is None or not user.is_active:
            record("token_refused", request=request, detail=f"attempted={email}; password")
            raise ValidationError(_("Unable to log in with the email and password given."))
        if not EmailAddress.objects.filter(user=user, verified=True, email__iexact=email).exists():
            record("token_refused", request=request, user=user, detail="email not verified")
            raise ValidationError(
                {"email": _("Verify this email address first (see the link we sent).")}
            )
        second_factor = _check_code(request, user, code)
    if needs_mfa(user) and not second_factor:
        record("token_refused", request=request, user=user, detail="second factor required")
        raise PermissionDenied(mfa_required_message())
    with transaction.atomic():
        # Serialise issues for one account so the per-account cap holds under concurrency.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        for old in ApiToken.objects.filter(user=user).order_by("-created")[
            max(settings.API_TOKENS_PER_USER - 1, 0) :
        ]:
            _revoke(old, request=request, reason="replaced by a newer token (limit per account)")
        token, key = ApiToken.objects.create(
            user,
            name=" ".join(name.split())[:100],  # one line: it is shown and logged
            second_factor=second_factor,
            address=client_address(request),
        )
    record(
        "token_issued",
        request=request,
        user=user,
        detail=f"token={token.token_key}; name={token.name!r}; second_factor={second_factor}",
        durable=False,
    )
    return token, key


def _check_code(request: HttpRequest, user: Any, code: str) -> bool:
    """True when the account has an authenticator and ``code`` is its current code (or an
    unused recovery code); False when it has none. The check and its limit are allauth's own
    (the same as the log-in page's second step)."""
    from recpnet.mfa import AuthenticateForm, has_mfa

    if not has_mfa(user):
        return False
    code = code.strip()
    if not code:
        record("token_refused", request=request, user=user, detail="code missing")
        raise ValidationError(
            {"code": _("This account uses two-factor authentication: give the current code.")}
        )
    request.code_checked_for = user  # type: ignore[attr-defined]  # named in a lockout
    form = AuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        error = form.errors.as_data()["code"][0]
        if error.code == "too_many_login_attempts":
            raise TooManyAttempts(error.messages[0])
        raise ValidationError({"code": _("This code is not valid (or was used).")})
    form.authenticator.record_usage()
    return True


def token_revoke(*, request: HttpRequest | None, actor: Any, token: ApiToken) -> None:
    """Revoke one of the actor's own tokens (the selector :func:`tokens_of` finds them)."""
    if token.user_id != actor.pk:
        raise Http404  # another's token is not there, as anything else of another's
    _revoke(token, request=request, reason="revoked by its holder")


def token_revoke_by_staff(*, request: HttpRequest, token: ApiToken) -> None:
    """Revoke a token from the Django admin (whose own permissions decide who may)."""
    actor = getattr(request, "user", None)
    _revoke(token, request=request, reason=f"revoked in the admin by {getattr(actor, 'email', '')}")


def tokens_revoke_all(*, user_id: int, reason: str, request: HttpRequest | None = None) -> int:
    """Revoke every token of the account (a credential or a role changed)."""
    tokens = list(ApiToken.objects.filter(user_id=user_id).select_related("user"))
    for token in tokens:
        _revoke(token, request=request, reason=reason)
    return len(tokens)


def _revoke(token: ApiToken, *, request: HttpRequest | None, reason: str) -> None:
    token.delete()
    record(
        "token_revoked",
        request=request,
        user=token.user,
        detail=f"token={token.token_key}; name={token.name!r}; {reason}",
        durable=False,  # shares the revocation's fate
    )


# The "last used" time on the security page is kept to the minute: one write per token per
# minute at most, not one per request.
_LAST_USED_STEP = timedelta(minutes=1)


def token_used(*, token: ApiToken) -> None:
    """Note that ``token`` authenticated a request (shown on its holder's security page)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    """The account's own tokens, newest first: nobody sees or revokes another's."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created")


# --- what a log-in proved has changed: revoke --------------------------------------------

_WATCHED = ("password", "email", "is_active", "is_secretariat")


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="tokens-user-before")
def _user_before(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    instance._tokens_before = None
    if instance.pk is None or (
        update_fields is not None and not set(update_fields) & set(_WATCHED)
    ):
        return
    instance._tokens_before = (
        sender._default_manager.filter(pk=instance.pk).values(*_WATCHED).first()
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="tokens-user-after")
def _user_after(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    before = getattr(instance, "_tokens_before", None)
    if not before:
        return
    reasons = []
    # A hash rewritten by a hasher upgrade at log-in is the same password: Django's
    # check_password saves only the password field and clears the raw password before saving.
    # Any other change of the hash (set_password, however saved; an admin or shell write) is
    # a new password.
    upgrade = (
        update_fields is not None
        and set(update_fields) == {"password"}
        and getattr(instance, "_password", None) is None
    )
    if before["password"] != instance.password and not upgrade:
        reasons.append("password changed")
    if before["email"].lower() != instance.email.lower():
        reasons.append("email changed")
    if before["is_active"] and not instance.is_active:
        reasons.append("account deactivated")
    if before["is_secretariat"] and not instance.is_secretariat:
        reasons.append("secretariat role ended")
    if reasons:
        tokens_revoke_all(user_id=instance.pk, reason=", ".join(reasons))


@receiver(post_save, sender=Authenticator, dispatch_uid="tokens-mfa-added")
def _authenticator_added(sender: Any, instance: Authenticator, created: bool, **kw: Any) -> None:
    # Saves of an existing authenticator record its use (recovery codes spent, last used);
    # only a new one changes the account's two-factor settings.
    if created:
        tokens_revoke_all(user_id=instance.user_id, reason="two-factor authentication set up")


@receiver(post_delete, sender=Authenticator, dispatch_uid="tokens-mfa-removed")
def _authenticator_removed(sender: Any, instance: Authenticator, **kwargs: Any) -> None:
    tokens_revoke_all(user_id=instance.user_id, reason="two-factor authentication removed")


def _recovery_codes_reset(sender: Any, request: Any = None, user: Any = None, **kw: Any) -> None:
    if user is not None:
        tokens_revoke_all(user_id=user.pk, reason="recovery codes regenerated", request=request)


def role_changed(*, user_id: int, reason: str) -> None:
    """A role row of this account was changed or removed (called by :mod:`recpnet.roles`)."""
    tokens_revoke_all(user_id=user_id, reason=reason)


def connect() -> None:
    from allauth.mfa import signals as mfa_signals

    mfa_signals.authenticator_reset.connect(_recovery_codes_reset, dispatch_uid="tokens-reset")
    mfa_signals.authentication_failed.connect(_code_refused, dispatch_uid="security-mfa-failed")


def _code_refused(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    record("mfa_failed", request=request, user=user)
