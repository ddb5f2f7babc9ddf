from django.contrib import admin
from django.urls import include, path

from accounts import second_factor
from config import health

admin.site.site_header = "Evidence catalogue"
admin.site.site_title = "Evidence catalogue"
admin.site.site_url = None  # no public site behind the admin: "View site" led to a 404

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Before the admin's own URLs, whose catch-all would take these paths.
    path("admin/second-factor/", second_factor.verify, name="second-factor"),
    path("admin/second-factor/enrol/", second_factor.enrol, name="second-factor-enrol"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
]
