import pytest

from surveys import services
from tests.factories import PASSWORD, make_user
from tests.surveys.conftest import answers_for

pytestmark = pytest.mark.django_db


def test_editing_a_survey_with_responses_warns(client, survey, resident):
    admin = make_user(is_superuser=True, is_staff=True)
    client.login(email=admin.email, password=PASSWORD)
    url = f"/admin/pages/{survey.pk}/edit/"
    html = client.get(url).content.decode()
    assert "已经收到" not in html
    services.survey_submit(survey=survey, user=resident, data=answers_for(survey))
    html = client.get(url).content.decode()
    assert "这份问卷已经收到 1 份答卷" in html
    assert f"/survey/{survey.pk}/results/" in html


def test_wagtail_submissions_link_goes_to_results(client, survey):
    admin = make_user(is_superuser=True, is_staff=True)
    client.login(email=admin.email, password=PASSWORD)
    response = client.get(f"/admin/forms/submissions/{survey.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/survey/{survey.pk}/results/")
