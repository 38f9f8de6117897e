from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """The district's name, hotline and privacy notice; edited by district administrators."""

    district_name = models.CharField(_("区名"), max_length=50, default="市北区")
    hotline = models.CharField(_("服务热线"), max_length=30, default="0532-12345")
    footer_text = models.CharField(
        _("页脚说明"),
        max_length=200,
        blank=True,
        default="市北区城市治理推进委员会 主办",
    )
    privacy_notice = RichTextField(
        _("隐私政策"),
        blank=True,
        help_text=_("注册时和隐私政策更新后，居民需阅读并同意此文本。"),
    )
    privacy_notice_version = models.CharField(
        _("隐私政策版本"),
        max_length=20,
        default=settings.PRIVACY_NOTICE_DEFAULT_VERSION,
        help_text=_("修改隐私政策内容后请更新版本号，居民下次登录时会被请求重新同意。"),
    )

    panels = [
        MultiFieldPanel([FieldPanel("district_name"), FieldPanel("hotline")], _("基本信息")),
        FieldPanel("footer_text"),
        MultiFieldPanel(
            [FieldPanel("privacy_notice"), FieldPanel("privacy_notice_version")],
            _("隐私政策"),
        ),
    ]

    class Meta:
        verbose_name = _("网站设置")
