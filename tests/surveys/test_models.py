import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils  # noqa: F401

from portal.models import HomePage, StandardPage
from surveys.models import SurveyAnswer, SurveyIndexPage, SurveyPage, SurveyResponse
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


def test_page_types_live_where_they_belong():
    assert SurveyIndexPage.parent_page_types == ["portal.HomePage"]
    assert SurveyPage.allowed_parent_page_models() == [SurveyIndexPage]
    assert SurveyIndexPage.allowed_subpage_models() == [SurveyPage]
    assert not SurveyPage.can_create_at(HomePage())
    assert not SurveyPage.can_create_at(StandardPage())
    assert SurveyPage.allowed_subpage_models() == []


def test_close_must_follow_open(survey_index):
    survey = make_survey(survey_index)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyPage.objects.filter(pk=survey.pk).update(closes_at=survey.opens_at)


def test_rating_must_be_between_one_and_five(survey):
    response = SurveyResponse.objects.create(survey=survey, respondent_key="x")
    question = survey.get_form_fields()[2]
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyAnswer.objects.create(response=response, survey=survey, question=question, rating=6)


def test_status(survey):
    now = timezone.now()
    assert survey.status(now) == "open"
    assert survey.status(survey.opens_at - datetime.timedelta(seconds=1)) == "upcoming"
    assert survey.status(survey.closes_at) == "closed"


def test_selected_audience_always_requires_login(survey_index, grids):
    survey = make_survey(
        survey_index,
        login_required=False,
        audience="selected",
        audience_communities=[grids[0].community],
    )
    assert survey.requires_login
