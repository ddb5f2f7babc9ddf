"""Helpers for driving the real admin pages with the test client."""

from __future__ import annotations

from django.contrib.messages import get_messages

from tests import factories
from tests.auth_helpers import admin_login

PASSWORD = "correct horse battery staple"


def staff(role: str, team=None, **kwargs):
    return factories.user_with_role(role, team=team, is_staff=True, **kwargs)


def login(client, user) -> None:
    """The admin's login form and the second factor, as the person would."""
    admin_login(client, user, PASSWORD)


def payload(page, rows: dict[str, list[dict]] | None = None, **fields) -> dict:
    """POST data for a change form, built from the page the admin rendered: every inline's
    management form as rendered, plus the new inline `rows` by prefix, plus the main `fields`."""
    data: dict = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management.initial.get(name, "")
        initial = formset.initial_form_count()
        data[f"{formset.prefix}-TOTAL_FORMS"] = initial  # blank extra rows are not posted
        for index, form in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{index}-{formset.model._meta.pk.name}"] = form.instance.pk
    for prefix, items in (rows or {}).items():
        start = int(data[f"{prefix}-INITIAL_FORMS"])
        for index, row in enumerate(items, start=start):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
        data[f"{prefix}-TOTAL_FORMS"] = start + len(items)
    data.update(fields)
    return data


def form_errors(response) -> dict:
    """The main form's errors and each inline row's errors, keyed "field" and "prefix-index-field"."""
    errors = {field: list(msgs) for field, msgs in response.context["adminform"].form.errors.items()}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for index, form in enumerate(formset.forms):
            for field, msgs in form.errors.items():
                errors[f"{formset.prefix}-{index}-{field}"] = list(msgs)
        if formset.non_form_errors():
            errors[f"{formset.prefix}-__all__"] = list(formset.non_form_errors())
    return errors


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]
