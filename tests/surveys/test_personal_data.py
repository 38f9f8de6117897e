"""Survey answers in the person's data download, and what account deletion leaves behind."""

import io
import json
import zipfile

import pytest

from portal import services as portal_services
from surveys import services
from surveys.models import SurveyAnswer, SurveyResponse
from tests.factories import PASSWORD, make_user
from tests.surveys.factories import answers_for, make_survey

pytestmark = pytest.mark.django_db


def test_download_has_named_answers_but_not_anonymous_ones(survey_index, grids):
    named = make_survey(survey_index, title="老旧楼院整治意见征集")
    anonymous = make_survey(survey_index, title="养老需求匿名调查", anonymous=True)
    user = make_user(home_grid=grids[0])
    services.survey_submit(survey=named, user=user, data=answers_for(named, text="楼道灯坏了"))
    services.survey_submit(survey=anonymous, user=user, data=answers_for(anonymous, text="秘密"))

    archive = zipfile.ZipFile(io.BytesIO(portal_services.account_data_archive(user=user)))
    rows = json.loads(archive.read("survey_answers.json"))
    assert {row["survey"] for row in rows} == {"老旧楼院整治意见征集"}
    assert any(row["text"] == "楼道灯坏了" for row in rows)
    assert "秘密" not in archive.read("survey_answers.json").decode()


def test_deletion_keeps_counts_and_removes_every_link(survey_index, grids):
    named = make_survey(survey_index)
    anonymous = make_survey(survey_index, anonymous=True)
    user = make_user(home_grid=grids[0])
    for survey in (named, anonymous):
        services.survey_submit(survey=survey, user=user, data=answers_for(survey))
    old_keys = set(SurveyResponse.objects.values_list("respondent_key", flat=True))
    answers_before = SurveyAnswer.objects.count()

    portal_services.account_delete(user=user, password=PASSWORD)

    assert SurveyResponse.objects.count() == 2
    assert SurveyAnswer.objects.count() == answers_before
    assert not SurveyResponse.objects.filter(user=user).exists()
    assert not SurveyResponse.objects.filter(respondent_key__in=old_keys).exists()


def test_deletion_finds_anonymous_answers_across_batches(survey_index, grids, monkeypatch):
    """Every survey ever held is probed for the person's key in batches (one statement per
    KEYS_PER_STATEMENT surveys): answers in the first and the last batch are both unlinked."""
    from surveys import respondents

    monkeypatch.setattr(respondents, "KEYS_PER_STATEMENT", 2)
    surveys = [make_survey(survey_index, anonymous=True) for _ in range(5)]
    user = make_user(home_grid=grids[0])
    for survey in (surveys[0], surveys[4]):
        services.survey_submit(survey=survey, user=user, data=answers_for(survey))
    found = respondents.answered_survey_ids(survey_ids=[s.pk for s in surveys], user=user)
    assert found == {surveys[0].pk, surveys[4].pk}
    old_keys = set(SurveyResponse.objects.values_list("respondent_key", flat=True))

    portal_services.account_delete(user=user, password=PASSWORD)

    assert SurveyResponse.objects.count() == 2
    assert not SurveyResponse.objects.filter(respondent_key__in=old_keys).exists()
