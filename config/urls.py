from django.contrib import admin
from django.urls import include, path

from config import health

admin.site.site_header = "Evidence catalogue"
admin.site.site_title = "Evidence catalogue"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
]
