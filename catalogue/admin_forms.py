"""Forms behind the catalogue admin pages."""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import Case, CrimeCategory, Place


class AliasesField(forms.CharField):
    """A list of spellings typed one per line (or comma-separated), or as a JSON list of strings."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            items = value
        else:
            text = (super().to_python(value) or "").strip()
            if not text:
                return []
            if text.startswith("["):
                try:
                    items = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ValidationError(f"The aliases look like JSON but are not valid JSON: {exc.msg}.") from exc
                if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                    raise ValidationError(_("As JSON, the aliases must be a list of strings."))
            else:
                items = re.split(r"[\n,;]", text)
        return list(dict.fromkeys(i.strip() for i in items if i and i.strip()))


class PlaceAdminForm(forms.ModelForm):
    aliases = AliasesField(
        required=False,
        help_text=_("Other spellings and transliterations (Kiev, Київ, Киев): one per line, comma-separated, "
                  "or a JSON list."),
    )

    class Meta:
        model = Place
        fields = "__all__"


class CategoriesField(forms.ModelMultipleChoiceField):
    """Lists the crimes a case can be qualified with, plus any group the case already holds;
    accepts every category, so that a posted group or 8(2)(b)(xx) reaches the service,
    which says why it cannot be chosen rather than "not a valid choice"."""

    def offer(self, offered) -> None:
        self.widget.choices = self.iterator(self, offered)

    def label_from_instance(self, category: CrimeCategory) -> str:
        if category.selectable:
            return str(category)
        return f"{category} (filed before the Elements were split: keep, or replace with its crimes)"


class _OfferedChoices(forms.models.ModelChoiceIterator):
    def __init__(self, field, queryset=None):
        super().__init__(field)
        if queryset is not None:
            self.queryset = queryset


CategoriesField.iterator = _OfferedChoices


class CaseAdminForm(forms.ModelForm):
    change_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason for a lower sensitivity or new team"),
        help_text=_("Needed when you lower the sensitivity or move the case to another team: the reviewer who "
                  "approves the change reads it, and the record keeps it."),
    )

    class Meta:
        model = Case
        fields = "__all__"
        help_texts = {
            "reference": _("Leave blank to get the next free reference (e.g. UA-2022-0007). It cannot be changed "
                           "later."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reference" in self.fields:
            self.fields["reference"].required = False
        categories = self.fields.get("categories")
        if isinstance(categories, CategoriesField):
            held = Q(pk__in=self.instance.categories.values("pk")) if self.instance.pk else Q()
            categories.offer(categories.queryset.filter(Q(selectable=True) | held))
        if "team" in self.fields and not self.fields["team"].queryset.exists():
            self.fields["team"].help_text = _("You belong to no team: ask an administrator to add you to one.")

    def clean_reference(self) -> str:
        return (self.cleaned_data.get("reference") or "").strip().upper()
