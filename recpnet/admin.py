from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import ApiToken, SecurityEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_secretariat", "is_staff", "is_active", "date_joined")
    list_filter = ("is_secretariat", "is_staff", "is_active")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password", "name")}),
        ("Roles", {"fields": ("is_secretariat", "is_staff", "is_superuser", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "email", "address", "path", "detail")
    list_filter = ("kind",)
    search_fields = ("email", "address", "path", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # the log is evidence: kept, never edited or deleted from the portal

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Live API tokens: the secretariat can see and revoke them (never read or add a key)."""

    list_display = ("token_key", "user", "name", "created", "expiry", "last_used_at")
    list_filter = ("second_factor",)
    list_select_related = ("user",)
    search_fields = ("user__email", "name", "token_key")
    fields = ("user", "name", "token_key", "created", "expiry", "last_used_at", "address")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        from recpnet.tokens import token_revoke_by_staff

        token_revoke_by_staff(request=request, token=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class HistoryAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    """The admin of a model with a change history: a change form saved unchanged writes
    nothing, so the history shows only what someone changed (Django saves every submit)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)
