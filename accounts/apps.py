from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in: API tokens, the admin's second factor, and the client address they are counted by."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
