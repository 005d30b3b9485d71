"""Project-wide models: the portal's user account."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, is_secretariat=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A person who logs in. Roles come from data: the secretariat flag here, chapter
    coordinator assignments (chapters) and staff memberships of member organisations (members)."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_secretariat = models.BooleanField(
        _("secretariat"),
        default=False,
        help_text=_("Network secretariat: admits members, changes tiers, reopens approved items."),
    )
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


# What each kind of security event means, in words for the people it concerns.
EVENT_LABELS = {
    "login": _("Logged in"),
    "logout": _("Logged out"),
    "login_failed": _("Failed log-in (wrong email or password)"),
    "mfa_failed": _("Wrong authenticator code"),
    "lockout": _("Locked out after too many failed attempts"),
    "token_issued": _("API token issued"),
    "token_refused": _("API token refused"),
    "token_revoked": _("API token revoked"),
    "denied_401": _("Request without valid credentials"),
    "denied_403": _("Request refused"),
}


class SecurityEvent(models.Model):
    """An authentication event or a denied access: who, from where, when (UTC).

    Written on a connection of its own (:func:`recpnet.security.record`), so the user key has
    no database constraint: the event must commit even while the user row it names is still
    inside another, uncommitted transaction."""

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    email = models.CharField(_("email"), max_length=254, blank=True)
    address = models.CharField(_("client address"), max_length=64, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    at = models.DateTimeField(_("at (UTC)"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-at",)
        verbose_name = _("security event")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.email or '-'}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


class ApiToken(AbstractAuthToken):
    """One API log-in (django-rest-knox): the key is shown once and stored only as a hash; it
    expires, carries the name its holder gave it and is listed on the account's security page.
    The services in :mod:`recpnet.tokens` issue and revoke tokens."""

    name = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("The device or script this token is for."),
    )
    second_factor = models.BooleanField(
        _("issued with a second factor"),
        default=False,
        help_text=_("The log-in that issued it gave an authenticator code."),
    )
    address = models.CharField(_("issued to address"), max_length=64, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.token_key}… {self.name or '-'} ({self.user})"
