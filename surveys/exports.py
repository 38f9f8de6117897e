"""The tables behind the survey exports (responses, aggregated results). Anonymous surveys
export neither who answered nor their street/community, nor the exact submission time, and
list the responses in the order of their keyed hash so the order reveals nothing either."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exports import csv_response, xlsx_response
from surveys.models import OTHER, SurveyAnswer, SurveyPage
from surveys.selectors import responses_in_scope, survey_results

CHUNK = 2000


def respond(*, fmt: str, filename: str, header, rows):
    if fmt == "csv":
        return csv_response(filename=filename, header=header, rows=rows)
    if fmt == "xlsx":
        return xlsx_response(filename=filename, header=header, rows=rows)
    raise Http404


def _answer_text(question, answer) -> str:
    if question.is_rating:
        return str(answer.rating or "")
    if answer.option == OTHER:
        return _("其他：%(text)s") % {"text": answer.text}
    if question.field_type == "checkbox":
        return _("是") if answer.option == "1" else _("否")
    return answer.option or answer.text


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
        while True:
            chunk = list(responses[offset : offset + CHUNK])
            if not chunk:
                return
            offset += CHUNK
            answers: dict[int, dict[int, list[str]]] = {}
            for answer in SurveyAnswer.objects.filter(response__in=[r.pk for r in chunk]).order_by(
                "pk"
            ):
                question = by_pk.get(answer.question_id)
                if question is None:
                    continue
                answers.setdefault(answer.response_id, {}).setdefault(question.pk, []).append(
                    _answer_text(question, answer)
                )
            for response in chunk:
                submitted = timezone.localtime(response.submitted_at)
                if anonymous:
                    row = [submitted.strftime("%Y-%m-%d")]
                else:
                    row = [
                        response.pk,
                        submitted.strftime("%Y-%m-%d %H:%M"),
                        response.user.get_display_name() if response.user else "",
                        response.street.name if response.street else "",
                        response.community.name if response.community else "",
                    ]
                given = answers.get(response.pk, {})
                row += ["；".join(given.get(q.pk, [])) for q in questions]
                yield row

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
