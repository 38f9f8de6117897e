import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

mobile_validator = RegexValidator(
    MOBILE_RE,
    _("请输入11位中国大陆手机号码，例如 13812341234。"),
)


def mask_mobile(mobile: str) -> str:
    """138****1234: what everyone but the owner and authorised staff sees."""
    if not mobile:
        return ""
    if len(mobile) < 7:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[-4:]}"


class PortalUserManager(UserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: resident, volunteer, NGO member or staff.

    Logs in by email (allauth). The mobile number is stored in full and shown masked to
    everyone but its owner and authorised staff.
    """

    username = None
    email = models.EmailField(_("电子邮箱"), unique=True)
    display_name = models.CharField(
        _("显示名称"),
        max_length=50,
        blank=True,
        help_text=_("在网站上显示的称呼，例如“王阿姨”或“李建国”。"),
    )
    mobile = models.CharField(
        _("手机号码"),
        max_length=11,
        blank=True,
        validators=[mobile_validator],
        help_text=_("选填。只有本人和经授权的工作人员能看到完整号码。"),
    )
    mobile_consent_at = models.DateTimeField(_("手机号码使用同意时间"), null=True, blank=True)
    home_grid = models.ForeignKey(
        "portal.Grid",
        verbose_name=_("所在网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    home_grid_set_at = models.DateTimeField(
        _("所在网格设置时间"),
        null=True,
        blank=True,
        help_text=_(
            "居民本人最近一次设置所在网格的时间。为空表示由工作人员确认，或在记录开始之前设置。"
            "只面向指定区域的问卷，只接受问卷开始之前已设置网格的居民。"
        ),
    )
    staff_communities = models.ManyToManyField(
        "portal.Community",
        verbose_name=_("负责的社区"),
        blank=True,
        related_name="staff",
        help_text=_("社区工作人员只能查看和导出这些社区的数据。"),
    )
    privacy_consent_version = models.CharField(_("已同意的隐私政策版本"), max_length=20, blank=True)
    privacy_consent_at = models.DateTimeField(_("同意隐私政策的时间"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.get_display_name()

    def get_display_name(self) -> str:
        if self.display_name:
            return self.display_name
        full = f"{self.last_name}{self.first_name}".strip()
        if full:
            return full
        return self.email.split("@")[0] if self.email else str(self.pk)

    def get_full_name(self):
        return self.get_display_name()

    def get_short_name(self):
        return self.get_display_name()

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class HomeGridChange(models.Model):
    """One change of a person's home grid (所在网格), by themselves or corrected by staff.

    Residents may change their own grid once in 30 days; the rows are the record of that
    rule and of every staff correction. Nobody edits them.
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="home_grid_changes"
    )
    old_grid = models.ForeignKey(
        "portal.Grid",
        verbose_name=_("原网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    new_grid = models.ForeignKey(
        "portal.Grid",
        verbose_name=_("新网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), db_index=True)
    changed_by = models.ForeignKey(
        User,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_staff = models.BooleanField(_("工作人员更正"), default=False)

    class Meta:
        verbose_name = _("所在网格变更")
        verbose_name_plural = _("所在网格变更")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.old_grid} → {self.new_grid}"
