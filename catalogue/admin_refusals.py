"""Turning a service's refusal into form errors in the admin, with nothing saved.

The admin validates its forms first, but the services are the rules: a
refusal can still come from them when the admin saves (a reviewer on their
own filing, an illegal status transition, a race on a reference). The admin
saves inside one transaction, so raising `ServiceRefusal` rolls back
everything it wrote; `ServiceRefusalMixin.changeform_view` then renders the
same POST again with the refusal attached to the form (or the inline row)
that caused it, instead of a 500.
"""

from __future__ import annotations

from typing import Callable

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

NOTHING_SAVED = _("Nothing was saved.")


class ServiceRefusal(Exception):
    """A service said no while the admin was saving; `prefix`/`index` name the inline row, if any."""

    def __init__(self, error: ValidationError | PermissionDenied, *, prefix: str | None = None,
                 index: int | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.prefix = prefix
        self.index = index


def refusal_messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error) or "You are not allowed to do that."]
    if hasattr(error, "error_dict"):
        return [message if field == NON_FIELD_ERRORS else f"{field_label(field)}: {message}"
                for field, errors in error.message_dict.items() for message in errors]
    return list(error.messages)


def field_label(field: str) -> str:
    """A field's name as a person reads it in a message ("change_reason" → "change reason")."""
    return field.replace("_", " ")


def add_service_errors(form: BaseForm, error: ValidationError | PermissionDenied) -> None:
    """Attach a service's error to the form fields it names; the rest become non-field errors."""
    if isinstance(error, PermissionDenied) or not hasattr(error, "error_dict"):
        form.add_error(None, refusal_messages(error))
        return
    for field, messages_ in error.message_dict.items():
        if field in form.fields and field != NON_FIELD_ERRORS:
            form.add_error(field, messages_)
        else:
            form.add_error(None, [m if field == NON_FIELD_ERRORS else f"{field_label(field)}: {m}" for m in messages_])


def on_refusal(request: HttpRequest, cleanup: Callable[[], None]) -> None:
    """Run `cleanup` if this request's save is rolled back (e.g. remove a staged upload)."""
    if not hasattr(request, "_admin_cleanups"):
        request._admin_cleanups = []
    request._admin_cleanups.append(cleanup)


def current_refusal(request: HttpRequest) -> ServiceRefusal | None:
    return getattr(request, "_service_refusal", None)


class ServiceRefusalMixin:
    """For ModelAdmins whose save_model/save_formset call services and raise ServiceRefusal."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except BaseException as exc:
            # The transaction is gone; so must be whatever it wrote outside the database.
            for cleanup in getattr(request, "_admin_cleanups", []):
                cleanup()
            request._admin_cleanups = []
            if not isinstance(exc, ServiceRefusal) or current_refusal(request) is not None:
                raise
            request._service_refusal = refusal = exc
        for upload in request.FILES.values():
            upload.seek(0)
        messages.error(request, f"{NOTHING_SAVED} " + " ".join(refusal_messages(refusal.error)))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = current_refusal(request)
        if refusal is None:
            return form_class

        def _post_clean(form):
            form_class._post_clean(form)
            if refusal.prefix is None:
                add_service_errors(form, refusal.error)
            else:
                # Always leave the main form invalid, so the re-run cannot save.
                form.add_error(None, _("Nothing was saved. See the errors below."))

        return type(form_class.__name__, (form_class,), {"_post_clean": _post_clean})


class ServiceRefusalInlineMixin:
    """Shows a ServiceRefusal aimed at one of this inline's rows on that row."""

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        refusal = current_refusal(request)
        if refusal is None or refusal.prefix is None:
            return formset_class

        def clean(formset):
            formset_class.clean(formset)
            if formset.prefix == refusal.prefix and refusal.index is not None and refusal.index < len(formset.forms):
                add_service_errors(formset.forms[refusal.index], refusal.error)

        return type(formset_class.__name__, (formset_class,), {"clean": clean})


def save_rows_through(request: HttpRequest, formset, create: Callable[[dict], object]) -> None:
    """Save an inline formset: changed and removed rows as Django would, new rows through `create`.

    Existing rows were validated by their ModelForm (the model's full_clean);
    new rows are what the services must see.
    """
    formset.save_existing_objects(commit=True)
    formset.new_objects = []
    for form in formset.extra_forms:
        if not form.has_changed() or (formset.can_delete and formset._should_delete_form(form)):
            continue
        try:
            formset.new_objects.append(create(form.cleaned_data))
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefusal(exc, prefix=formset.prefix, index=formset.forms.index(form)) from exc


class AddOnlyInlineMixin:
    """Rows that are records (consents, withdrawals, dependencies): added on the parent's page,
    never changed or deleted there. Viewing follows the parent page, shown only to those who
    may see its case."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
