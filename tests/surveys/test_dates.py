"""Survey times read in the page's language: Chinese as always, English with no 年月日."""

import datetime

from django.urls import reverse
from django.utils import translation

from surveys import services
from surveys.models import SurveyResponse
from tests.factories import make_user
from tests.portal.test_formats import english_dates_are_clean
from tests.surveys.factories import answers_for, make_survey

UTC = datetime.UTC


def test_survey_card_and_my_answers_in_both_languages(client, survey_index, grids, home_page):
    resident = make_user(home_grid=grids[0])
    survey = make_survey(
        survey_index,
        title="本社区养老服务调查",
        closes_at=datetime.datetime(2099, 12, 8, 10, 0, tzinfo=UTC),
    )
    client.force_login(resident)

    chinese = client.get(home_page.url).content.decode()
    assert "12月8日 18:00 截止" in chinese
    english = client.get("/en" + home_page.url).content.decode()
    assert "Closes 8 Dec 18:00" in english
    assert english_dates_are_clean(english)

    services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    SurveyResponse.objects.filter(survey=survey).update(
        submitted_at=datetime.datetime(2026, 10, 20, 17, 26, tzinfo=UTC),
        updated_at=datetime.datetime(2026, 10, 20, 17, 26, tzinfo=UTC),
    )
    chinese = client.get(reverse("account_home")).content.decode()
    assert "提交于 2026年10月21日 01:26" in chinese
    with translation.override("en"):
        english = client.get(reverse("account_home")).content.decode()
    assert "Submitted 21 Oct 2026, 01:26" in english
    assert english_dates_are_clean(english)

    chinese = client.get(survey.url).content.decode()
    assert "2026年10月21日 01:26" in chinese
    english = client.get("/en" + survey.url).content.decode()
    assert "21 Oct 2026, 01:26" in english
    assert english_dates_are_clean(english)
