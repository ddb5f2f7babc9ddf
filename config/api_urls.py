"""Everything under /api/. Each app contributes its own url module under /api/v1/."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView


@csrf_exempt  # nothing happens here, so there is nothing to forge
def not_found(request, *args, **kwargs):
    """An /api/ path that matches nothing (say, an item id that is not a UUID): a JSON 404 like the rest."""
    return JsonResponse({"detail": "No such endpoint or record.", "code": "not_found"}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, which a CSP without inline scripts allows.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # ReDoc from our own copy, with a template that asks no font server for anything.
    path("redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"), name="api-redoc"),
    path("v1/", include("catalogue.api.urls")),  # cases, auth (issue 4)
    path("v1/", include("evidence.api.urls")),  # evidence, hashes (issue 4)
    path("v1/", include("evidence.api.ledger_urls")),  # log head/proofs, exports (issue 5)
    re_path(r"^", not_found),  # keep last
]
