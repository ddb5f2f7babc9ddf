"""Who may write through the API. Who may *see* is catalogue.selectors.cases_visible_to."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from catalogue.roles import INVESTIGATOR, user_has_role


class InvestigatorsWrite(BasePermission):
    """Anyone authenticated reads (the queryset limits what); investigators write,
    and only on their own team's cases."""

    message = _("Only investigators can create or change case records.")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or not hasattr(view, request.method.lower()):
            return True  # a method the endpoint lacks is a 405, whoever asks
        user = request.user
        return bool(user.is_superuser or user_has_role(user, INVESTIGATOR))

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS or request.user.is_superuser:
            return True
        self.message = "Only investigators of the owning team can change this case."
        return request.user.teams.filter(pk=obj.team_id).exists()
