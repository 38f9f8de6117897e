"""Survey pages: answering (SurveyPage.serve), results, free-text answers and exports."""

import secrets

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.filters import AreaFilterForm
from portal.ratelimits import client_address
from portal.selectors import public_pages
from surveys import exports, permissions, selectors, services
from surveys.forms import initial_from_response
from surveys.models import SurveyPage, SurveyQuestion

VISITOR_SESSION_KEY = "surveys_visitor_token"
TEXT_ANSWERS_PER_PAGE = 20


def _visitor_token(request: HttpRequest, *, create: bool) -> str:
    token = request.session.get(VISITOR_SESSION_KEY, "")
    if not token and create:
        token = secrets.token_urlsafe(24)
        request.session[VISITOR_SESSION_KEY] = token
    return token


def _respondent(request: HttpRequest, survey: SurveyPage, *, create: bool = False) -> dict:
    if request.user.is_authenticated:
        return {"user": request.user, "visitor_token": ""}
    if survey.requires_login:
        return {"user": None, "visitor_token": ""}
    return {"user": None, "visitor_token": _visitor_token(request, create=create)}


def serve_survey(request: HttpRequest, survey: SurveyPage) -> HttpResponse:
    """GET shows the form, or why this person cannot answer, or their earlier response;
    POST stores a response (or, with `edit`, replaces the answers of the earlier one)."""
    now = timezone.now()
    respondent = _respondent(request, survey)
    context = survey.get_context(request)
    context.update(
        status=survey.status(now),
        results_visible=permissions.can_view_results(request.user, survey, now),
    )
    # A survey previewed before its first save has no responses (and no primary key).
    existing = selectors.survey_response_for(survey=survey, **respondent) if survey.pk else None
    editing = existing is not None and (
        request.GET.get("edit") == "1" or (request.method == "POST" and "edit" in request.POST)
    )
    if editing and survey.status(now) != "open":
        editing = False
    context["existing"] = existing

    if existing is not None and not editing:
        context["can_edit"] = survey.status(now) == "open"
        return TemplateResponse(request, "surveys/survey_page_answered.html", context, status=200)

    try:
        if not editing:
            services.survey_check_can_answer(survey=survey, user=request.user, now=now)
    except ValidationError as error:
        if error.code == "login_required" and request.method == "GET":
            context["login_required"] = True
        context["problem"] = error.messages[0]
        context["problem_code"] = error.code
        return TemplateResponse(request, "surveys/survey_page.html", context)

    if request.method == "POST":
        form = survey.get_form(request.POST, page=survey, user=request.user)
        if form.is_valid():
            respondent = _respondent(request, survey, create=True)
            try:
                if respondent["user"] is None and not editing:
                    services.survey_visitor_rate_check(
                        survey=survey, client_address=client_address(request)
                    )
                if editing:
                    response = services.survey_response_update(
                        survey=survey, data=request.POST, now=now, **respondent
                    )
                else:
                    response = services.survey_submit(
                        survey=survey, data=request.POST, now=now, **respondent
                    )
            except ValidationError as error:
                if getattr(error, "code", "") == "already_answered":
                    return redirect(survey.get_url(request))
                form.add_error(None, error.messages)
                if getattr(error, "code", "") == "rate_limited":
                    context.update(form=form, editing=editing)
                    return TemplateResponse(
                        request, "surveys/survey_page.html", context, status=429
                    )
            else:
                context.update(response=response, edited=editing)
                return TemplateResponse(request, "surveys/survey_page_landing.html", context)
    else:
        initial = {}
        if editing:
            initial = initial_from_response(survey.get_form_fields(), existing.answers.all())
        form = survey.get_form(page=survey, user=request.user, initial=initial)
    context.update(form=form, editing=editing)
    return TemplateResponse(request, "surveys/survey_page.html", context)


def _survey_or_404(request: HttpRequest, page_id: int) -> SurveyPage:
    survey = get_object_or_404(public_pages(SurveyPage.objects.live()), pk=page_id)
    return survey


def results(request: HttpRequest, page_id: int) -> HttpResponse:
    """The results of a survey as bar charts, filterable by street and community."""
    survey = _survey_or_404(request, page_id)
    if not permissions.can_view_results(request.user, survey):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(_("这份问卷的结果暂不公开。"))
    area = AreaFilterForm(request.GET)
    if area.is_valid():
        street_id, community_id = area.cleaned_data["street"], area.cleaned_data["community"]
    else:
        street_id = community_id = None
        messages.warning(request, _("筛选条件无效，下面显示的是全部结果。"))
    streets, communities = selectors.area_choices(survey=survey)
    data = selectors.survey_results_cached(
        survey=survey, street_id=street_id, community_id=community_id
    )
    is_staff = permissions.is_survey_staff(request.user)
    export_scope = (
        selectors.response_export_scope(
            survey=survey, scope=permissions.response_scope(request.user)
        )
        if is_staff
        else None
    )
    # The results export is never filtered: it counts every response, as its first row says.
    results_scope = (
        {
            "kind": "results",
            "count": data.total
            if not (street_id or community_id)
            else selectors.survey_results_cached(survey=survey).total,
        }
        if is_staff
        else None
    )
    return TemplateResponse(
        request,
        "surveys/survey_results.html",
        {
            "page": survey,
            "survey": survey,
            "results": data,
            "streets": streets,
            "communities": communities,
            "street_id": street_id,
            "community_id": community_id,
            "is_staff": is_staff,
            "export_scope": export_scope,
            "results_scope": results_scope,
            "status": survey.status(),
        },
    )


def text_answers(request: HttpRequest, page_id: int, question_id: int) -> HttpResponse:
    """Free-text answers to one question: staff only, paginated, limited to the staff
    member's communities."""
    survey = _survey_or_404(request, page_id)
    if not permissions.is_survey_staff(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(_("只有工作人员可以查看文字回答。"))
    question = get_object_or_404(SurveyQuestion, pk=question_id, page=survey)
    scope = permissions.response_scope(request.user)
    answers = selectors.text_answers(survey=survey, question=question, scope=scope)
    page_obj = selectors.paginate(request, answers, TEXT_ANSWERS_PER_PAGE)
    return TemplateResponse(
        request,
        "surveys/text_answers.html",
        {
            "page": survey,
            "survey": survey,
            "question": question,
            "page_obj": page_obj,
            "answers": page_obj.object_list,
            "scoped": scope is not None,
        },
    )


def export(request: HttpRequest, page_id: int, kind: str, fmt: str) -> HttpResponse:
    """CSV/XLSX of the responses or the aggregated results, for staff."""
    survey = _survey_or_404(request, page_id)
    if not permissions.is_survey_staff(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(_("只有工作人员可以导出问卷数据。"))
    if kind == "responses":
        scope = permissions.response_scope(request.user)
        header, rows = exports.response_table(survey=survey, scope=scope)
    elif kind == "results":
        header, rows = exports.results_table(survey=survey)
    else:
        raise Http404
    filename = f"survey-{survey.pk}-{kind}"
    audit_log(
        actor=request.user,
        action="portal.export",
        instance=survey,
        data={"export": f"survey_{kind}", "survey": survey.pk, "format": fmt},
    )
    return exports.respond(fmt=fmt, filename=filename, header=header, rows=rows)
