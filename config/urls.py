from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import second_factor
from config import health

admin.site.site_header = _("Evidence catalogue")
admin.site.site_title = _("Evidence catalogue")
admin.site.site_url = None  # no public site behind the admin: "View site" led to a 404

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Before the admin's own URLs, whose catch-all would take these paths.
    path("admin/second-factor/", second_factor.verify, name="second-factor"),
    path("admin/second-factor/enrol/", second_factor.enrol, name="second-factor-enrol"),
    path("admin/", admin.site.urls),
    # POST /i18n/setlang/ (Django's set_language): the language switch in the admin's header.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
]
