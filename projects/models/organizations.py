import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.validators import validate_credit_code


class Category(models.Model):
    """项目类别 — a kind of service project (养老服务, 助残, …). Edited by district
    administrators as a snippet."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    slug = models.SlugField(_("网址名"), max_length=40, unique=True, allow_unicode=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")

    def __str__(self):
        return self.name


class Organization(models.Model):
    """社会组织 — an NGO that applies through the portal, is verified by community staff and
    then publishes service projects through its own page, group and collection."""

    class Type(models.TextChoices):
        SOCIAL_GROUP = "social_group", _("社会团体")
        SERVICE_INSTITUTION = "service_institution", _("民办非企业单位/社会服务机构")
        FOUNDATION = "foundation", _("基金会")
        COMMUNITY = "community", _("社区社会组织")
        VOLUNTEER = "volunteer", _("志愿服务组织")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        VERIFIED = "verified", _("已认证")
        REJECTED = "rejected", _("未通过")
        SUSPENDED = "suspended", _("已暂停")

    name = models.CharField(_("组织名称"), max_length=100, unique=True)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18位，见登记证书。"),
    )
    org_type = models.CharField(_("组织类型"), max_length=30, choices=Type.choices)
    contact_person = models.CharField(_("联系人"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20)
    email = models.EmailField(_("联系邮箱"))
    description = models.TextField(_("组织简介"), max_length=2000)
    logo = models.ForeignKey(
        "portal.PortalImage",
        verbose_name=_("标志"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    street = models.ForeignKey(
        "portal.Street",
        verbose_name=_("所在街道"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    service_communities = models.ManyToManyField(
        "portal.Community",
        verbose_name=_("服务社区"),
        related_name="organizations",
        blank=True,
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="organization_applications",
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.TextField(_("审核意见"), blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("暂停操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suspended_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    suspension_reason = models.TextField(_("暂停原因"), blank=True)
    # Created on verification (projects.services.organization_verify).
    group = models.OneToOneField(
        "auth.Group",
        verbose_name=_("后台用户组"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="organization",
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        verbose_name=_("素材库文件夹"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="organization",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_reason=""),
                name="organization_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(reviewed_at__isnull=False),
                name="organization_decision_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended") | Q(suspended_at__isnull=False),
                name="organization_suspension_has_time",
            ),
        ]
        permissions = [("review_organization", _("可以审核社会组织"))]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        page = getattr(self, "page", None)
        if page is not None and self.is_verified:
            return page.url or ""
        return ""

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED


class OrganizationMember(models.Model):
    """A person who may edit an organization's projects: its owner (who registered it and
    invites others) or an editor."""

    class Role(models.TextChoices):
        OWNER = "owner", _("负责人")
        EDITOR = "editor", _("编辑")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="organization_memberships",
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        ordering = ["organization", "role", "created_at"]
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="organization_member_unique"
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.user}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


class OrganizationInvitation(models.Model):
    """An owner's invitation to an editor, sent by email; accepted by a logged-in user whose
    account has the invited address."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("邮箱"))
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("邀请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("编辑邀请")
        verbose_name_plural = _("编辑邀请")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True),
                name="organization_invitation_open_unique",
            ),
        ]

    def __str__(self):
        return f"{self.organization} → {self.email}"
