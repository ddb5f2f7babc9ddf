"""Everything under /api/. Each app contributes its own url module under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    # path("v1/", include("catalogue.api.urls")),        # cases, auth (issue 4)
    # path("v1/", include("evidence.api.urls")),         # evidence, hashes (issue 4)
    # path("v1/", include("evidence.api.ledger_urls")),  # log head/proofs, exports (issue 5)
]
