from django.urls import path
from rest_framework.routers import SimpleRouter

from evidence.api.uploads import UploadDetailView, UploadListView
from evidence.api.views import EvidenceViewSet, HashLookupView

router = SimpleRouter()
router.register("evidence", EvidenceViewSet, basename="evidence")

urlpatterns = [
    # Any string reaches the view, so a malformed hash is a 400 that says why, not a 404.
    path("hashes/<str:sha256>/", HashLookupView.as_view(), name="hash-lookup"),
    # Resumable uploads (evidence/upload_protocol.py): begin, then PATCH pieces; HEAD says the offset.
    path("uploads/", UploadListView.as_view(), name="upload-list"),
    path("uploads/<uuid:upload_id>/", UploadDetailView.as_view(), name="upload-detail"),
    *router.urls,
]
