from django.urls import path
from rest_framework.routers import SimpleRouter

from catalogue.api.tokens import LogoutView, ObtainTokenView
from catalogue.api.views import CaseViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    *router.urls,
]
