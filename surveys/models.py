"""民意征集 — opinion surveys.

A SurveyPage is a Wagtail form page whose questions (SurveyQuestion) community staff build in
the CMS. Each person's answers are one SurveyResponse plus one SurveyAnswer row per chosen
option / rating / text, so results are counted by the database with GROUP BY.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from portal.fragments import cached_fragment
from portal.models import SearchableMixin, ViewRestrictionsMixin
from portal.page_cache import CLOCK_TTL
from surveys.admin_forms import SurveyPageAdminForm
from surveys.question_types import (  # noqa: F401 - OTHER is imported from here too
    OTHER,
    RATING,
    QuestionType,
    question_type,
    question_type_choices,
)
from surveys.routes import SurveyRoutesMixin


class SurveyIndexPage(ViewRestrictionsMixin, SearchableMixin, Page):
    """The list of surveys (民意征集), with tabs for open and closed ones."""

    intro = RichTextField(_("导语"), blank=True)

    search_fields = Page.search_fields + SearchableMixin.bigram_search_fields()
    search_bigram_fields = ("title", "intro")

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["portal.HomePage"]
    subpage_types = ["surveys.SurveyPage"]
    max_count = 1
    paginate_by = 10

    search_type_label = _("民意征集")  # shown in site search results

    class Meta:
        verbose_name = _("民意征集列表页")

    def get_context(self, request, *args, **kwargs):
        from surveys import selectors
        from surveys.forms import SurveyIndexFilterForm

        context = super().get_context(request, *args, **kwargs)
        tab = SurveyIndexFilterForm(request.GET).tab_or_open()

        def render_results() -> str:
            return render_to_string(
                "surveys/includes/survey_index_results.html",
                {
                    "request": request,
                    **selectors.survey_index(index_page=self, tab=tab, request=request),
                },
            )

        # The same for everyone with the same query string, signed in or not: kept until a
        # page is published ("site") and CLOCK_TTL seconds at most, like the page itself
        # (a survey opens and closes with the clock; the answer counts may lag that long).
        results = cached_fragment(
            "survey-index",
            render_results,
            vary=(self.pk, *sorted(request.GET.lists())),
            ttl=CLOCK_TTL,
        )
        context.update(tab=tab, results=mark_safe(results))
        return context

    def route(self, request, path_components):
        # A survey and its sub-pages: the survey is fetched as a SurveyPage in one query
        # (Page.route fetches the base page, then its specific page).
        if not path_components:
            return super().route(request, path_components)
        survey = SurveyPage.objects.child_of(self).filter(slug=path_components[0]).first()
        if survey is None:
            raise Http404
        survey._cached_parent_obj = self
        return survey.route(request, path_components[1:])


class SurveyQuestion(AbstractFormField):
    """One question of a survey: Wagtail's field types plus a 1–5 rating scale; choice
    questions may offer "其他" with a free-text answer."""

    page = ParentalKey("surveys.SurveyPage", on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField(_("题型"), max_length=16, choices=question_type_choices())
    field_type.required_on_save = True
    allow_other = models.BooleanField(
        _("允许“其他”"),
        default=False,
        help_text=_("仅用于单选、多选和下拉题：增加“其他”选项，并让答题人填写内容。"),
    )
    rating_low_label = models.CharField(
        _("1 分含义"), max_length=30, blank=True, default="很不满意", help_text=_("仅用于评分题。")
    )
    rating_high_label = models.CharField(
        _("5 分含义"), max_length=30, blank=True, default="非常满意", help_text=_("仅用于评分题。")
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("help_text"),
        FieldPanel("required"),
        FieldPanel("field_type", classname="formbuilder-type", required_on_save=True),
        FieldPanel("choices", classname="formbuilder-choices"),
        FieldPanel("allow_other"),
        FieldRowPanel([FieldPanel("rating_low_label"), FieldPanel("rating_high_label")]),
        FieldPanel("default_value", classname="formbuilder-default"),
    ]

    class Meta(AbstractFormField.Meta):
        verbose_name = _("问题")
        verbose_name_plural = _("问题")

    def __str__(self):
        return self.label

    @property
    def question_type(self) -> QuestionType:
        """Everything that depends on the type (surveys.question_types)."""
        return question_type(self.field_type)

    @property
    def is_choice(self) -> bool:
        return self.question_type.choice

    @property
    def is_multiple(self) -> bool:
        return self.question_type.multiple

    @property
    def is_rating(self) -> bool:
        return self.field_type == RATING

    @property
    def is_counted(self) -> bool:
        """Answers shown as counts per option (choices, ratings, yes/no)."""
        return self.question_type.counted

    def option_list(self) -> list[str]:
        from wagtail.contrib.forms.forms import _split_by_newline_or_comma

        if not self.is_choice or not self.choices.strip():
            return []
        return [c for c in _split_by_newline_or_comma(self.choices) if c]


class SurveyPage(ViewRestrictionsMixin, SurveyRoutesMixin, SearchableMixin, AbstractForm):
    """A survey built by community staff: questions, when it is open, who may answer, whether
    answers are anonymous and when the results are public."""

    @staticmethod
    def page_cache_tags(page) -> tuple:
        """The page cache (portal.page_cache): the survey's page and results change with
        its answers (surveys.results_cache bumps this tag); kept CLOCK_TTL seconds at most
        for its opening and closing times."""
        from portal.page_cache import survey_tag

        return (survey_tag(page.pk),)

    base_form_class = SurveyPageAdminForm

    class Audience(models.TextChoices):
        DISTRICT = "district", _("全区居民")
        SELECTED = "selected", _("指定街道或社区的居民")

    class ResultsVisibility(models.TextChoices):
        STAFF = "staff", _("仅工作人员可见")
        AFTER_CLOSE = "after_close", _("结束后公开")
        WHILE_OPEN = "while_open", _("征集期间公开")

    intro = RichTextField(_("说明"), blank=True)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    thank_you_text = RichTextField(_("感谢语"), blank=True, help_text=_("提交后显示给答题人。"))
    opens_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    closes_at = models.DateTimeField(_("截止时间"))
    audience = models.CharField(
        _("征集对象"), max_length=10, choices=Audience.choices, default=Audience.DISTRICT
    )
    audience_streets = ParentalManyToManyField(
        "portal.Street",
        verbose_name=_("指定街道"),
        blank=True,
        related_name="+",
        help_text=_("征集对象为“指定街道或社区”时，这些街道的居民可以回答。"),
    )
    audience_communities = ParentalManyToManyField(
        "portal.Community",
        verbose_name=_("指定社区"),
        blank=True,
        related_name="+",
        help_text=_("征集对象为“指定街道或社区”时，这些社区的居民可以回答。"),
    )
    login_required = models.BooleanField(
        _("需要登录"),
        default=True,
        help_text=_(
            "取消后访客不登录也可回答。访客的“每人一份”只能按浏览器计算：换一个浏览器或清除"
            " Cookie 就能再答一份（同一网络地址的提交次数另有上限）。需要真正每人一份时请保持勾选；"
            "指定对象的问卷始终需要登录。"
        ),
    )
    anonymous = models.BooleanField(
        _("匿名"),
        default=False,
        help_text=_("工作人员只能看到答案，看不到答题人及其社区。"),
    )
    results_visibility = models.CharField(
        _("结果公开"),
        max_length=12,
        choices=ResultsVisibility.choices,
        default=ResultsVisibility.AFTER_CLOSE,
    )

    search_fields = (
        Page.search_fields
        + [index.SearchField("summary"), index.FilterField("closes_at")]
        + SearchableMixin.bigram_search_fields()
    )
    search_bigram_fields = ("title", "summary", "intro")

    content_panels = AbstractForm.content_panels + [
        FieldPanel("summary"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")])], _("时间")
        ),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("audience_streets"),
                FieldPanel("audience_communities"),
                FieldPanel("login_required"),
                FieldPanel("anonymous"),
                FieldPanel("results_visibility"),
            ],
            _("对象与公开"),
        ),
        InlinePanel("form_fields", label=_("问题")),
        FieldPanel("thank_you_text"),
    ]

    parent_page_types = ["surveys.SurveyIndexPage"]
    subpage_types = []

    search_type_label = _("问卷")  # shown in site search results

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opens",
            )
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("截止时间必须晚于开始时间。")})

    # Status -----------------------------------------------------------------------------

    def status(self, now=None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return "upcoming"
        if now >= self.closes_at:
            return "closed"
        return "open"

    @property
    def is_open(self) -> bool:
        return self.status() == "open"

    @property
    def is_closed(self) -> bool:
        return self.status() == "closed"

    @property
    def requires_login(self) -> bool:
        return self.login_required or self.audience == self.Audience.SELECTED

    # Wagtail form plumbing ----------------------------------------------------------------

    def get_form_class(self):
        cached = getattr(self, "_form_class_cache", None)
        if cached is None:
            from surveys.forms import SurveyFormBuilder

            cached = SurveyFormBuilder(self.get_form_fields()).get_form_class()
            self._form_class_cache = cached
        return cached

    def get_form_fields(self):
        cached = getattr(self, "_questions_cache", None)
        if cached is None:
            cached = list(self.form_fields.all())
            self._questions_cache = cached
        return cached


class SurveyResponse(models.Model):
    """One person's answers to one survey. `respondent_key` is a keyed hash (HMAC with the
    SECRET_KEY) of the survey and the account, or the visitor's session token: it makes "one
    response per person" a database rule without revealing who answered an anonymous survey.
    The respondent's street and community are copied at submission time for results."""

    # A record of what someone did, not content: Wagtail's reference index (the "usage"
    # screens) gains nothing from it and would cost two queries on every write.
    wagtail_reference_index_ignore = True

    survey = models.ForeignKey(
        SurveyPage, verbose_name=_("问卷"), on_delete=models.CASCADE, related_name="responses"
    )
    respondent_key = models.CharField(_("答题人标识"), max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答题人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        help_text=_("匿名问卷不记录答题人。"),
    )
    street = models.ForeignKey(
        "portal.Street",
        verbose_name=_("街道"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    community = models.ForeignKey(
        "portal.Community",
        verbose_name=_("社区"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            # The key's hash covers the survey, so a key is one respondent of one survey and
            # unique on its own: "one response per respondent per survey". Every look-up of
            # a person's response is by the key alone (surveys.respondents): with the
            # survey's id in the condition too, PostgreSQL could take an index on the survey
            # for a survey answered thousands of times since its statistics were last
            # gathered (a popular new survey), and read every one of its responses.
            models.UniqueConstraint(fields=["respondent_key"], name="survey_response_key_unique"),
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=Q(user__isnull=False),
                name="survey_one_response_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(respondent_key=""), name="survey_response_has_respondent"
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "submitted_at"], name="survey_resp_time_idx"),
            models.Index(fields=["survey", "community"], name="survey_resp_comm_idx"),
            models.Index(fields=["survey", "street"], name="survey_resp_street_idx"),
        ]

    def __str__(self):
        return f"{self.survey_id}#{self.pk}"

    def results_link(self):
        from django.urls import reverse
        from django.utils.html import format_html

        url = reverse("surveys:results", kwargs={"page_id": self.survey_id})  # a redirect
        return format_html('<a href="{}">{}</a>', url, _("结果与导出"))

    results_link.short_description = _("结果")


class SurveyAnswer(models.Model):
    """One answer: a chosen option (`option`, "__other__" for 其他 with `text`), a rating
    (`rating` 1–5) or a text (`text`). Survey, street and community are copied from the
    response so that results are one GROUP BY over an index, without joins."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    survey = models.ForeignKey(SurveyPage, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    option = models.CharField(max_length=255, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    street_id_snapshot = models.BigIntegerField(null=True, blank=True, db_index=False)
    community_id_snapshot = models.BigIntegerField(null=True, blank=True, db_index=False)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_answer_rating_1_to_5",
            )
        ]
        indexes = [
            # Covering indexes for the results GROUP BY, whole survey and per area.
            models.Index(
                fields=["survey", "question", "option", "rating"], name="survey_ans_count_idx"
            ),
            models.Index(
                fields=["survey", "street_id_snapshot", "question", "option", "rating"],
                name="survey_ans_street_idx",
            ),
            models.Index(
                fields=["survey", "community_id_snapshot", "question", "option", "rating"],
                name="survey_ans_comm_idx",
            ),
        ]

    def __str__(self):
        return self.option or (str(self.rating) if self.rating else self.text[:30])


class SurveyAnnouncement(models.Model):
    """That a survey's opening has been announced to its audience: one row per survey (the
    primary key), inserted by the one run of surveys.services that claims the announcement,
    so the due-announcement sweep tells an audience once however many processes run it.
    Written by services only; not a page field, so publishing a revision never resets it."""

    survey = models.OneToOneField(
        SurveyPage, on_delete=models.CASCADE, primary_key=True, related_name="announcement"
    )
    announced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("问卷开始通知")
        verbose_name_plural = _("问卷开始通知")

    def __str__(self):
        return str(self.survey_id)
