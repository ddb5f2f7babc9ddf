from django.urls import path
from rest_framework.routers import SimpleRouter

from evidence.api.views import EvidenceViewSet, HashLookupView

router = SimpleRouter()
router.register("evidence", EvidenceViewSet, basename="evidence")

urlpatterns = [
    # Any string reaches the view, so a malformed hash is a 400 that says why, not a 404.
    path("hashes/<str:sha256>/", HashLookupView.as_view(), name="hash-lookup"),
    *router.urls,
]
