from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Street(models.Model):
    """街道 — a sub-district; the district has 19. Edited by district administrators."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("街道")
        verbose_name_plural = _("街道")

    def __str__(self):
        return self.name


class Community(models.Model):
    """社区 — a residents' community inside a street (135 in the district)."""

    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="communities"
    )
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        return f"{self.street.name} · {self.name}"


class Grid(models.Model):
    """网格 — the smallest unit of grid management (1188 in the district). Each has a grid
    leader (网格长) and patrol members (巡治员)."""

    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="grids"
    )
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("网格长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_grids",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        return f"{self.community.street.name} · {self.community.name} · {self.name}"
