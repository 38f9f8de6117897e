"""Findings 8 and 9 replayed: visitor answers are limited per client address; area-restricted
surveys count only residents whose home grid was set before the survey opened."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from portal import services as portal_services
from surveys import selectors
from surveys.models import SurveyPage, SurveyResponse
from tests.factories import make_user
from tests.surveys.factories import answers_for, make_survey


@pytest.mark.django_db
def test_visitor_answers_are_limited_per_address(settings, survey_index):
    """The reproduction: each new cookie jar counted as a new respondent, without end."""
    settings.SURVEY_VISITOR_RATE_LIMIT = (3, 3600)
    survey = make_survey(survey_index, login_required=False)
    data = answers_for(survey, text="楼道灯坏了三个月")
    answers = [Client().post(survey.url, data).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    assert SurveyResponse.objects.count() == 3

    refused = Client().post(survey.url, data)
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "提交的答卷太多了" in page
    assert "楼道灯坏了三个月" in page  # nothing typed is lost
    assert SurveyResponse.objects.count() == 3

    # Another address, and a signed-in resident, are not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(survey.url, data).status_code == 200
    resident = Client()
    resident.force_login(make_user())
    assert resident.post(survey.url, data).status_code == 200
    assert SurveyResponse.objects.count() == 5


@pytest.mark.django_db
def test_forwarded_for_counts_only_behind_a_declared_proxy(settings, survey_index):
    settings.SURVEY_VISITOR_RATE_LIMIT = (1, 3600)
    survey = make_survey(survey_index, login_required=False)
    data = answers_for(survey)
    # Without a proxy, a forged X-Forwarded-For does not make a new address.
    assert Client(HTTP_X_FORWARDED_FOR="1.1.1.1").post(survey.url, data).status_code == 200
    assert Client(HTTP_X_FORWARDED_FOR="2.2.2.2").post(survey.url, data).status_code == 429
    # Behind a proxy the address it appended counts, not what the client put in front.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert Client(HTTP_X_FORWARDED_FOR="6.6.6.6, 3.3.3.3").post(survey.url, data).status_code == 200
    assert Client(HTTP_X_FORWARDED_FOR="7.7.7.7, 3.3.3.3").post(survey.url, data).status_code == 429


def test_editor_help_says_one_per_browser():
    help_text = str(SurveyPage._meta.get_field("login_required").help_text)
    assert "只能按浏览器计算" in help_text


@pytest.fixture
def restricted(survey_index, grids):
    return make_survey(
        survey_index,
        audience="selected",
        audience_communities=[grids[0].community],
        opens_at=timezone.now() - datetime.timedelta(days=1),
    )


@pytest.mark.django_db
def test_a_grid_chosen_after_the_survey_opened_does_not_count(client, restricted, grids):
    """The reproduction: a resident moves into the audience area to answer."""
    outsider = make_user(home_grid=grids[7])
    portal_services.user_update_profile(
        user=outsider, display_name="外来", mobile="", mobile_consent=False, home_grid=grids[0]
    )
    client.force_login(outsider)
    page = client.get(restricted.url).content.decode()
    assert "开始前" in page and "不能回答" in page
    client.post(restricted.url, answers_for(restricted))
    assert not SurveyResponse.objects.exists()
    assert restricted.pk not in [
        s.pk for s in selectors.open_surveys_for(user=outsider) if s.eligible
    ]


@pytest.mark.django_db
def test_residents_set_before_opening_and_staff_corrections_count(client, restricted, grids):
    long_time = make_user(home_grid=grids[0])
    long_time.home_grid_set_at = restricted.opens_at - datetime.timedelta(days=60)
    long_time.save()
    corrected = make_user(home_grid=grids[7])
    portal_services.user_correct_home_grid(
        user=corrected, grid=grids[0], by=make_user(is_superuser=True)
    )
    for user in (long_time, corrected):
        client.force_login(user)
        assert client.post(restricted.url, answers_for(restricted)).status_code == 200
    assert SurveyResponse.objects.count() == 2
