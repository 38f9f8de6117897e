"""Survey pages: answering (SurveyPage.serve), results, free-text answers and exports."""

import secrets

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.filters import AreaFilterForm
from portal.forms import add_service_errors
from portal.fragments import cached_fragment
from portal.page_cache import survey_tag
from portal.ratelimits import client_address
from portal.selectors import public_pages
from surveys import exports, permissions, selectors, services
from surveys.forms import initial_from_response
from surveys.models import SurveyPage, SurveyQuestion

VISITOR_SESSION_KEY = "surveys_visitor_token"
TEXT_ANSWERS_PER_PAGE = 20
# The area filter of the results lists every community: kept as long as the cases list keeps
# its own filter choices (templates/cases/case_list.html).
AREA_FILTER_TTL = 600


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


def _wants_edit(request: HttpRequest, survey: SurveyPage, existing, now, *, edit: bool) -> bool:
    """Editing the earlier answers: asked for (the edit/ route, or the form's hidden field)
    and still possible (there is an earlier response and the survey is open)."""
    asked = edit or (request.method == "POST" and "edit" in request.POST)
    return asked and existing is not None and survey_is_open(survey, now)


def survey_is_open(survey: SurveyPage, now) -> bool:
    return survey.status(now) == "open"


def _cannot_answer(request: HttpRequest, survey: SurveyPage, context: dict, now):
    """The page that says why this person cannot answer now, or None when they can."""
    try:
        services.survey_check_can_answer(survey=survey, user=request.user, now=now)
    except ValidationError as error:
        if error.code == "login_required" and request.method == "GET":
            context["login_required"] = True
        context["problem"] = error.messages[0]
        context["problem_code"] = error.code
        return TemplateResponse(request, "surveys/survey_page.html", context)
    return None


def _store(request: HttpRequest, survey: SurveyPage, form, context: dict, *, editing, now):
    """Store the posted answers (new, or replacing the earlier ones): the thank-you page, or
    None with the service's objection on the form (or another response where it says so)."""
    respondent = _respondent(request, survey, create=True)
    try:
        if respondent["user"] is None and not editing:
            services.survey_visitor_rate_check(
                survey=survey, client_address=client_address(request)
            )
        store = services.survey_response_update if editing else services.survey_submit
        response = store(survey=survey, data=request.POST, now=now, **respondent)
    except ValidationError as error:
        if getattr(error, "code", "") == "already_answered":
            return redirect(survey.get_url(request))
        add_service_errors(form, error)
        if getattr(error, "code", "") == "rate_limited":
            context.update(form=form, editing=editing)
            return TemplateResponse(request, "surveys/survey_page.html", context, status=429)
        return None
    context.update(response=response, edited=editing)
    return TemplateResponse(request, "surveys/survey_page_landing.html", context)


def serve_survey(request: HttpRequest, survey: SurveyPage, *, edit: bool = False) -> HttpResponse:
    """GET shows the form, or why this person cannot answer, or their earlier response;
    POST stores a response (or, when editing, replaces the answers of the earlier one)."""
    now = timezone.now()
    context = survey.get_context(request)
    context.update(
        status=survey.status(now),
        results_visible=permissions.can_view_results(request.user, survey, now),
    )
    # A survey previewed before its first save has no responses (and no primary key).
    respondent = _respondent(request, survey)
    existing = selectors.survey_response_for(survey=survey, **respondent) if survey.pk else None
    editing = _wants_edit(request, survey, existing, now, edit=edit)
    context["existing"] = existing
    if existing is not None and not editing:
        context["can_edit"] = survey_is_open(survey, now)
        return TemplateResponse(request, "surveys/survey_page_answered.html", context)
    if not editing and (refusal := _cannot_answer(request, survey, context, now)):
        return refusal

    if request.method == "POST":
        form = survey.get_form(request.POST, page=survey, user=request.user)
        if form.is_valid():
            stored = _store(request, survey, form, context, editing=editing, now=now)
            if stored is not None:
                return stored
    else:
        initial = {}
        if editing:
            initial = initial_from_response(survey.get_form_fields(), existing.answers.all())
        form = survey.get_form(page=survey, user=request.user, initial=initial)
        if not editing and survey.pk and not getattr(request, "is_preview", False):
            context["form_html"] = _empty_form_html(survey, form)
    context.update(form=form, editing=editing)
    return TemplateResponse(request, "surveys/survey_page.html", context)


def _empty_form_html(survey: SurveyPage, form) -> str:
    """The questions of an empty form, the same for everyone: rendered once until a page is
    published ("site", the questions change only then). The CSRF token stays outside."""
    return mark_safe(
        cached_fragment(
            "survey-form",
            lambda: render_to_string("includes/form_fields.html", {"form": form}),
            vary=(survey.pk,),
        )
    )


def results(request: HttpRequest, survey: SurveyPage) -> HttpResponse:
    """The results of a survey as bar charts, filterable by street and community (the
    survey page's results/ route)."""
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
    data = selectors.survey_results_cached(
        survey=survey, street_id=street_id, community_id=community_id
    )
    area = {"street_id": street_id, "community_id": community_id}

    def render_area_filter() -> str:
        streets, communities = selectors.area_choices(survey=survey)
        context = {"streets": streets, "communities": communities, **area}
        return render_to_string("surveys/includes/results_area_filter.html", context)

    # Staff see a link to the free-text answers instead of a note.
    is_staff = permissions.is_survey_staff(request.user)

    def render_questions() -> str:
        context = {"request": request, "results": data, "survey": survey, "is_staff": is_staff}
        return render_to_string("surveys/includes/results_questions.html", context)

    # Both the same for everyone who asks for the same area: the filter's choices (every
    # community) for as long as the cases list keeps its own, the counts until the next
    # answer ("survey:<id>", bumped with the results version) or publication ("site").
    context = {
        "page": survey,
        "survey": survey,
        "results": data,
        "area_filter_html": mark_safe(
            cached_fragment(
                "survey-results-area",
                render_area_filter,
                vary=(street_id, community_id),
                ttl=AREA_FILTER_TTL,
            )
        ),
        "questions_html": mark_safe(
            cached_fragment(
                "survey-results",
                render_questions,
                tags=(survey_tag(survey.pk),),
                vary=(survey.pk, street_id, community_id, is_staff),
                ttl=selectors.RESULTS_CACHE_SECONDS,
            )
        ),
        "street_id": street_id,
        "community_id": community_id,
        "status": survey.status(),
    }
    context.update(_export_scopes(request, survey, data, filtered=bool(street_id or community_id)))
    return TemplateResponse(request, "surveys/survey_results.html", context)


def _export_scopes(request: HttpRequest, survey: SurveyPage, data, *, filtered: bool) -> dict:
    """What a staff member's exports of the survey hold (the public sees no exports)."""
    if not permissions.is_survey_staff(request.user):
        return {"is_staff": False, "export_scope": None, "results_scope": None}
    scope = permissions.response_scope(request.user)
    # The results export is never filtered: it counts every response, as its first row says.
    total = selectors.survey_results_cached(survey=survey).total if filtered else data.total
    return {
        "is_staff": True,
        "export_scope": selectors.response_export_scope(survey=survey, scope=scope),
        "results_scope": {"kind": "results", "count": total},
    }


def text_answers(request: HttpRequest, survey: SurveyPage, question_id: int) -> HttpResponse:
    """Free-text answers to one question: staff only, paginated, limited to the staff
    member's communities (the survey page's results/text/<id>/ route)."""
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


def export(request: HttpRequest, survey: SurveyPage, kind: str, fmt: str) -> HttpResponse:
    """CSV/XLSX of the responses or the aggregated results, for staff (the survey page's
    export/<kind>/<fmt>/ route)."""
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


# The sub-pages' earlier addresses (/survey/<id>/…), kept as redirects to the survey page's
# routes.


def _moved(request: HttpRequest, page_id: int, route: str, **kwargs) -> HttpResponse:
    survey = get_object_or_404(public_pages(SurveyPage.objects.live()), pk=page_id)
    url = survey.get_url(request) + survey.reverse_subpage(route, kwargs=kwargs)
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url, permanent=True)


def results_moved(request: HttpRequest, page_id: int) -> HttpResponse:
    return _moved(request, page_id, "results")


def text_answers_moved(request: HttpRequest, page_id: int, question_id: int) -> HttpResponse:
    return _moved(request, page_id, "text_answers", question_id=question_id)


def export_moved(request: HttpRequest, page_id: int, kind: str, fmt: str) -> HttpResponse:
    if kind not in ("responses", "results") or fmt not in ("csv", "xlsx"):
        raise Http404
    return _moved(request, page_id, "export", kind=kind, fmt=fmt)
