"""Admin: a warning when editing the questions of a survey that already has responses, and
links from a survey page to its results and exports."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from surveys.models import SurveyPage, SurveyResponse
from surveys.permissions import is_survey_staff


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
        url=reverse("surveys:results", kwargs={"page_id": page.pk}),
        icon_name="table",
        priority=5,
    )


@hooks.register("register_page_listing_more_buttons")
def survey_listing_buttons(page, user, next_url=None):
    yield from _survey_buttons(page, user)


@hooks.register("register_page_header_buttons")
def survey_header_buttons(page, user, view_name, next_url=None):
    yield from _survey_buttons(page, user)
