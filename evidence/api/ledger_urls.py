"""URLs for the Merkle log (key, head, proofs), court package exports and the disclosure register, under /api/v1/."""

from django.urls import path

from evidence.api.export_views import CaseDisclosuresView, CaseExportsView, ExportDownloadView, ExportJobView
from evidence.api.ledger_views import ConsistencyProofView, InclusionProofView, LogHeadView, LogKeyView

urlpatterns = [
    path("log/key/", LogKeyView.as_view(), name="log-key"),
    path("log/head/", LogHeadView.as_view(), name="log-head"),
    path("log/proof/inclusion/", InclusionProofView.as_view(), name="log-proof-inclusion"),
    path("log/proof/consistency/", ConsistencyProofView.as_view(), name="log-proof-consistency"),
    path("cases/<str:reference>/exports/", CaseExportsView.as_view(), name="case-exports"),
    path("cases/<str:reference>/disclosures/", CaseDisclosuresView.as_view(), name="case-disclosures"),
    path("exports/<uuid:pk>/", ExportJobView.as_view(), name="export-detail"),
    path("exports/<uuid:pk>/download/", ExportDownloadView.as_view(), name="export-download"),
]
