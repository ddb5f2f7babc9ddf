from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """One API token. Only the SHA-256 of its key is kept: the key is shown once, at creation.

    A token stops working when it expires, when it is revoked (logout, the
    admin), or when its user's password changes (`password_stamp` no longer
    matches; see accounts.tokens.password_stamp).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key hash"))
    # The key's first characters, so its owner can tell which token is which.
    prefix = models.CharField(max_length=8, editable=False, verbose_name=_("prefix"))
    password_stamp = models.CharField(max_length=64, editable=False, verbose_name=_("password stamp"))
    created = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "expires_at"])]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
