"""Admin: a warning when editing the questions of a survey that already has responses, and
links from a survey page to its results and exports."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from portal.filters import PortalFilterSet
from portal.notifications import NotificationKind
from portal.periodic import PeriodicWork
from portal.viewsets import CommunityScopedViewSetMixin
from surveys import bench_data, demo, personal_data, sections
from surveys.models import SurveyPage, SurveyResponse
from surveys.permissions import is_survey_staff, response_scope


@hooks.register("before_edit_page")
def warn_when_survey_has_responses(request, page):
    page = page.specific
    if not isinstance(page, SurveyPage) or request.method != "GET":
        return None
    count = SurveyResponse.objects.filter(survey=page).count()
    if count:
        messages.warning(
            request,
            _(
                "这份问卷已经收到 %(n)d 份答卷。修改问题的文字或选项会让已有答案与新问题对不上，"
                "删除问题会同时删除它的全部答案。"
            )
            % {"n": count},
        )
    return None


def _survey_buttons(page, user):
    if page.specific_class is not SurveyPage or not is_survey_staff(user):
        return
    yield Button(
        _("结果与导出"),
        url=page.specific_deferred.results_url(),
        icon_name="table",
        priority=5,
    )


@hooks.register("register_page_listing_more_buttons")
def survey_listing_buttons(page, user, next_url=None):
    yield from _survey_buttons(page, user)


@hooks.register("register_page_header_buttons")
def survey_header_buttons(page, user, view_name, next_url=None):
    yield from _survey_buttons(page, user)


class SurveyStaffPermissionPolicy(BasePermissionPolicy):
    """Responses are read-only in the admin: staff may view, nobody adds, edits or deletes
    them there (answers change only through the survey page)."""

    def user_has_permission(self, user, action):
        return action == "view" and is_survey_staff(user)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and is_survey_staff(user)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.none()

    def users_with_permission(self, action):
        return get_user_model().objects.none()


register_permission_policy(SurveyResponse, SurveyStaffPermissionPolicy(SurveyResponse))


class SurveyResponseIndexView(IndexView):
    base_filterset_class = PortalFilterSet  # ids in ?survey= and ?street= are validated

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("survey", "user", "street", "community")


class SurveyResponseViewSet(CommunityScopedViewSetMixin, ModelViewSet):
    """答卷 — the responses to non-anonymous surveys, newest first; community staff see their
    communities' respondents only. Downloads are on each survey's results page (their
    spreadsheet cells are neutralised; Wagtail's own export does not do that)."""

    model = SurveyResponse
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)
    icon = "form"
    menu_label = _("答卷")
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["survey", "submitted_at", "user", "street", "community", "results_link"]
    list_filter = ["survey", "street"]
    search_fields = ["user__display_name", "user__email"]
    ordering = ["-submitted_at"]
    form_fields = ["survey"]
    inspect_view_enabled = False
    index_view_class = SurveyResponseIndexView
    community_lookup = "community_id"

    def scope_queryset(self, user, queryset):
        """Answers to anonymous surveys never; community staff their communities'
        respondents (surveys.permissions.response_scope), in every view."""
        queryset = queryset.filter(survey__anonymous=False)
        scope = response_scope(user)
        if scope is None:
            return queryset
        return queryset.filter(community_id__in=scope)


survey_response_viewset = SurveyResponseViewSet("survey_responses")


@hooks.register("register_admin_viewset")
def register_survey_response_viewset():
    return survey_response_viewset


# What this app adds to portal's pages and account (see portal.sections,
# portal.personal_data and portal.notifications).
hooks.register("portal_home_sections", sections.home_section, order=25)
hooks.register("portal_account_sections", sections.account_section, order=40)
hooks.register("portal_personal_data_exporters", personal_data.personal_data_export, order=30)
hooks.register("portal_personal_data_erasers", personal_data.personal_data_erase, order=30)


@hooks.register("portal_stylesheets", order=40)
def stylesheet() -> str:
    return "surveys/surveys.css"


@hooks.register("portal_notification_kinds", order=30)
def notification_kinds() -> list[NotificationKind]:
    return [NotificationKind("survey_opened", gettext_lazy("有我可以参与的新问卷"), "off")]


# Demo and bench data (see portal.demo_context).
hooks.register("portal_demo_data", demo.load, order=30)
hooks.register("portal_bench_data", bench_data.generate, order=30)
hooks.register("portal_bench_urls", bench_data.bench_urls, order=30)


@hooks.register("portal_notification_audiences")
def notification_audiences() -> dict:
    from surveys.services import survey_opened_audience

    return {"surveys.survey_opened": survey_opened_audience}


@hooks.register("portal_periodic_work")
def periodic_work() -> PeriodicWork:
    from surveys.services import surveys_announce_due

    return PeriodicWork("surveys_announce_due", 60, surveys_announce_due)
