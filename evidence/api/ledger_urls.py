"""URLs for the Merkle log (key, head, proofs) and court package exports, under /api/v1/."""

from django.urls import path

from evidence.api.export_views import CaseExportsView, ExportDownloadView, ExportJobView
from evidence.api.ledger_views import ConsistencyProofView, InclusionProofView, LogHeadView, LogKeyView

urlpatterns = [
    path("log/key/", LogKeyView.as_view(), name="log-key"),
    path("log/head/", LogHeadView.as_view(), name="log-head"),
    path("log/proof/inclusion/", InclusionProofView.as_view(), name="log-proof-inclusion"),
    path("log/proof/consistency/", ConsistencyProofView.as_view(), name="log-proof-consistency"),
    path("cases/<str:reference>/exports/", CaseExportsView.as_view(), name="case-exports"),
    path("exports/<uuid:pk>/", ExportJobView.as_view(), name="export-detail"),
    path("exports/<uuid:pk>/download/", ExportDownloadView.as_view(), name="export-download"),
]
