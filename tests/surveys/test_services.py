import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys import services
from surveys.models import OTHER, SurveyAnswer, SurveyResponse
from tests.factories import make_user
from tests.surveys.factories import answers_for, make_survey, names

pytestmark = pytest.mark.django_db


def test_submit_stores_one_response_and_normalised_answers(survey, resident):
    response = services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    assert response.user == resident
    assert response.community_id == resident.home_grid.community_id
    assert response.street_id == resident.home_grid.community.street_id
    rows = {(a.question.label, a.option, a.rating) for a in SurveyAnswer.objects.all()}
    assert ("您最希望先整治哪一项", "楼道照明", None) in rows
    assert ("您关心哪些服务", "助餐", None) in rows
    assert ("对社区养老服务的满意度", "", 4) in rows
    assert all(a.community_id_snapshot == response.community_id for a in SurveyAnswer.objects.all())


def test_other_answer_keeps_its_text(survey, resident):
    services.survey_submit(
        survey=survey, user=resident, data=answers_for(survey, choice=OTHER, other="加装电梯")
    )
    answer = SurveyAnswer.objects.get(option=OTHER)
    assert answer.text == "加装电梯"


def test_other_without_text_is_refused(survey, resident):
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, user=resident, data=answers_for(survey, choice=OTHER))
    assert "请填写具体内容" in str(error.value)
    assert not SurveyResponse.objects.exists()


def test_second_submission_is_refused(survey, resident):
    services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    assert error.value.code == "already_answered"
    assert SurveyResponse.objects.count() == 1


def test_database_refuses_a_duplicate_even_without_the_check(survey, resident):
    key = services.respondent_key(survey_id=survey.pk, user=resident)
    SurveyResponse.objects.create(survey=survey, respondent_key=key, user=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, respondent_key=key)


@pytest.mark.parametrize(
    "shift, code",
    [
        ({"opens_at": 1, "closes_at": 2}, "not_open"),
        ({"opens_at": -2, "closes_at": -1}, "closed"),
    ],
)
def test_outside_open_times_nothing_is_stored(survey_index, resident, shift, code):
    now = timezone.now()
    survey = make_survey(
        survey_index,
        opens_at=now + datetime.timedelta(days=shift["opens_at"]),
        closes_at=now + datetime.timedelta(days=shift["closes_at"]),
    )
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    assert error.value.code == code
    assert not SurveyResponse.objects.exists()


def test_login_required_refuses_visitors(survey):
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, visitor_token="abc", data=answers_for(survey))
    assert error.value.code == "login_required"


def test_visitors_answer_once_per_token_when_allowed(survey_index):
    survey = make_survey(survey_index, login_required=False)
    services.survey_submit(survey=survey, visitor_token="token-a", data=answers_for(survey))
    services.survey_submit(survey=survey, visitor_token="token-b", data=answers_for(survey))
    with pytest.raises(ValidationError):
        services.survey_submit(survey=survey, visitor_token="token-a", data=answers_for(survey))
    assert SurveyResponse.objects.count() == 2
    assert "token-a" not in SurveyResponse.objects.values_list("respondent_key", flat=True)


def test_audience_by_community(survey_index, grids):
    inside = make_user(home_grid=grids[0])
    outside = make_user(home_grid=grids[2])
    nowhere = make_user()
    survey = make_survey(
        survey_index, audience="selected", audience_communities=[grids[0].community]
    )
    services.survey_submit(survey=survey, user=inside, data=answers_for(survey))
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, user=outside, data=answers_for(survey))
    assert error.value.code == "outside_audience"
    assert grids[0].community.name in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, user=nowhere, data=answers_for(survey))
    assert error.value.code == "no_home_grid"
    assert SurveyResponse.objects.count() == 1


def test_audience_by_street(survey_index, grids):
    street = grids[0].community.street
    survey = make_survey(survey_index, audience="selected", audience_streets=[street])
    same_street_other_community = make_user(home_grid=grids[3])
    assert grids[3].community.street == street
    services.survey_submit(
        survey=survey, user=same_street_other_community, data=answers_for(survey)
    )
    other_street = make_user(home_grid=grids[4])
    with pytest.raises(ValidationError):
        services.survey_submit(survey=survey, user=other_street, data=answers_for(survey))


def test_anonymous_survey_does_not_store_the_user(survey_index, resident):
    survey = make_survey(survey_index, anonymous=True)
    response = services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    response.refresh_from_db()
    assert response.user_id is None
    unkeyed = hashlib.sha256(f"survey-response:{survey.pk}:user:{resident.pk}".encode())
    assert response.respondent_key != unkeyed.hexdigest()
    with pytest.raises(ValidationError):
        services.survey_submit(survey=survey, user=resident, data=answers_for(survey))


@pytest.mark.parametrize(
    "change, message",
    [
        ({0: ""}, "请回答这个问题"),
        ({0: "拆除重建"}, "请从给出的选项中选择"),
        ({2: "9"}, "请从给出的选项中选择"),
        ({3: "长" * 2001}, "回答太长了"),
        ({1: ["助餐", "洗衣"]}, "请从给出的选项中选择"),
    ],
)
def test_bad_answers_are_refused_and_nothing_stored(survey, resident, change, message):
    data = answers_for(survey)
    n = names(survey)
    for index, value in change.items():
        if isinstance(value, list):
            data.setlist(n[index], value)
        else:
            data[n[index]] = value
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, user=resident, data=data)
    assert message in str(error.value)
    assert not SurveyResponse.objects.exists()
    assert not SurveyAnswer.objects.exists()


def test_update_replaces_answers_while_open(survey, resident):
    services.survey_submit(survey=survey, user=resident, data=answers_for(survey, rating="2"))
    services.survey_response_update(
        survey=survey, user=resident, data=answers_for(survey, rating="5")
    )
    assert list(SurveyAnswer.objects.exclude(rating=None).values_list("rating", flat=True)) == [5]
    response = SurveyResponse.objects.get()
    assert response.updated_at >= response.submitted_at


def test_update_after_close_is_refused(survey, resident):
    services.survey_submit(survey=survey, user=resident, data=answers_for(survey, rating="2"))
    later = survey.closes_at + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as error:
        services.survey_response_update(
            survey=survey, user=resident, data=answers_for(survey, rating="5"), now=later
        )
    assert error.value.code == "closed"
    assert list(SurveyAnswer.objects.exclude(rating=None).values_list("rating", flat=True)) == [2]


def test_required_dropdown_starts_empty_and_must_be_chosen(survey_index, resident):
    survey = make_survey(
        survey_index,
        questions=[
            {"label": "您通常什么时间买菜", "field_type": "dropdown", "choices": "上午\n下午"}
        ],
    )
    form = survey.get_form(page=survey, user=resident)
    assert "selected" not in str(form[names(survey)[0]]).split("上午")[0].split("请选择")[1]
    with pytest.raises(ValidationError) as error:
        services.survey_submit(survey=survey, user=resident, data={names(survey)[0]: ""})
    assert "请回答这个问题" in str(error.value)
    services.survey_submit(survey=survey, user=resident, data={names(survey)[0]: "下午"})
    assert SurveyAnswer.objects.get().option == "下午"
