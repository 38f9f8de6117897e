"""What the surveys app holds about a person, for the data download and account deletion.

Download: the person's answers to non-anonymous surveys (anonymous answers are not linked to
the account, by design). Deletion: the responses stay for the counts but lose every link to
the person: `user` is cleared and the respondent key, an HMAC of the account, is replaced by
a random one, for anonymous surveys too.
"""

import secrets

from django.db.models import Q

from surveys.models import SurveyAnswer, SurveyPage, SurveyResponse
from surveys.respondents import answered_survey_ids, responses_of


def export_survey_answers(user) -> list[dict]:
    answers = (
        SurveyAnswer.objects.filter(response__user=user, response__survey__anonymous=False)
        .select_related("response__survey", "question")
        .order_by("response__submitted_at", "response_id", "question__sort_order", "pk")
    )
    return [
        {
            "survey": answer.response.survey.title,
            "submitted_at": answer.response.submitted_at,
            "updated_at": answer.response.updated_at,
            "question": answer.question.clean_name or answer.question.label,
            "question_label": answer.question.label,
            "option": answer.option,
            "rating": answer.rating,
            "text": answer.text,
        }
        for answer in answers
    ]


def erase_survey_links(user) -> None:
    # Every survey ever held is probed (in batches); the filter then names only those the
    # person answered.
    answered = answered_survey_ids(
        survey_ids=SurveyPage.objects.values_list("pk", flat=True), user=user
    )
    linked = SurveyResponse.objects.filter(
        Q(user=user) | responses_of(survey_ids=answered, user=user)
    )
    for response in linked.only("pk"):
        SurveyResponse.objects.filter(pk=response.pk).update(
            user=None, respondent_key=f"erased-{secrets.token_hex(24)}"
        )


def personal_data_export(user) -> dict[str, list[dict]]:
    return {"survey_answers": export_survey_answers(user)}


def personal_data_erase(user) -> None:
    erase_survey_links(user)
