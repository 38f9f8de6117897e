"""The tables behind the survey exports (responses, aggregated results). Anonymous surveys
export neither who answered nor their street/community, nor the exact submission time, and
list the responses in the order of their keyed hash so the order reveals nothing either."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exports import csv_response, xlsx_response
from surveys.models import SurveyAnswer, SurveyPage
from surveys.selectors import responses_in_scope, survey_results

CHUNK = 2000


def respond(*, fmt: str, filename: str, header, rows):
    if fmt == "csv":
        return csv_response(filename=filename, header=header, rows=rows)
    if fmt == "xlsx":
        return xlsx_response(filename=filename, header=header, rows=rows)
    raise Http404


def _answer_texts(chunk, by_pk: dict) -> dict[int, dict[int, list[str]]]:
    """{response id: {question id: [answer text]}} of a chunk of responses (one query); each
    question's type writes its cells (surveys.question_types)."""
    answers: dict[int, dict[int, list[str]]] = {}
    for answer in SurveyAnswer.objects.filter(response__in=[r.pk for r in chunk]).order_by("pk"):
        question = by_pk.get(answer.question_id)
        if question is None:
            continue
        answers.setdefault(answer.response_id, {}).setdefault(question.pk, []).append(
            question.question_type.export_text(question, answer)
        )
    return answers


def _respondent_cells(response, *, anonymous: bool) -> list:
    submitted = timezone.localtime(response.submitted_at)
    if anonymous:
        return [submitted.strftime("%Y-%m-%d")]
    return [
        response.pk,
        submitted.strftime("%Y-%m-%d %H:%M"),
        response.user.get_display_name() if response.user else "",
        response.street.name if response.street else "",
        response.community.name if response.community else "",
    ]


def response_table(*, survey: SurveyPage, scope: set[int] | None):
    """(header, rows) of the responses; `scope` limits them to respondents of these
    communities (None: all). Rows are produced in chunks, never all in memory."""
    questions = survey.get_form_fields()
    by_pk = {q.pk: q for q in questions}
    anonymous = survey.anonymous
    header = (
        [_("提交日期")]
        if anonymous
        else [_("答卷编号"), _("提交时间"), _("答题人"), _("街道"), _("社区")]
    )
    header += [q.label for q in questions]

    responses = responses_in_scope(survey=survey, scope=scope)
    if anonymous:
        responses = responses.order_by("respondent_key")
    else:
        responses = responses.select_related("user", "street", "community").order_by("pk")

    def rows():
        offset = 0
        while chunk := list(responses[offset : offset + CHUNK]):
            offset += CHUNK
            answers = _answer_texts(chunk, by_pk)
            for response in chunk:
                given = answers.get(response.pk, {})
                cells = ["；".join(given.get(q.pk, [])) for q in questions]
                yield _respondent_cells(response, anonymous=anonymous) + cells

    return header, rows()


def results_table(*, survey: SurveyPage):
    """(header, rows) of the aggregated results: one row per option or rating value."""
    data = survey_results(survey=survey)
    header = [_("问题"), _("选项"), _("人数"), _("百分比"), _("平均分")]
    rows = [[_("答卷总数"), "", data.total, "", ""]]
    for result in data.questions:
        if result.is_text:
            rows.append([result.question.label, _("文字回答"), result.answered, "", ""])
            continue
        for row in result.rows:
            rows.append([result.question.label, row.label, row.count, row.percent, ""])
        if result.mean is not None:
            rows.append([result.question.label, _("平均分"), "", "", result.mean])
    return header, rows
