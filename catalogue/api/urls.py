from django.urls import path
from rest_framework.routers import SimpleRouter

from catalogue.api.tokens import ObtainTokenView
from catalogue.api.views import CaseViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    *router.urls,
]
