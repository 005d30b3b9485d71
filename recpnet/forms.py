"""django-allauth's account forms, held to the log-in page's rules."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm


class ChangePasswordForm(AllauthChangePasswordForm):
    """Changing the password asks for the current one through the log-in's own check, so a
    guess counts against the account's limit of failed log-ins and is a security event, as
    on the log-in page (allauth's form compares it silently and without a limit)."""

    def clean_oldpassword(self) -> str:
        assert self.user  # the form is only shown to a logged-in user
        password = self.cleaned_data.get("oldpassword", "")
        if not get_adapter().reauthenticate(self.user, password):
            raise get_adapter().validation_error("enter_current_password")
        return str(password)
