"""The resident's journey through the app (issue #14, the parts of surveys and 我的): sign up
and log in headlessly, set the home grid, answer a survey and edit the answer, download my
data, log out. Volunteers and cases join this journey in their own modules."""

import io
import json
import zipfile

import pytest

from surveys.models import SurveyIndexPage, SurveyResponse
from tests import factories
from tests.api.conftest import AppClient, assert_problem
from tests.surveys.conftest import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_results_cache(monkeypatch):
    from tests.surveys.conftest import isolate_results_cache

    isolate_results_cache(monkeypatch)


def test_resident_journey(grids):
    home = factories.make_home_page()
    index = SurveyIndexPage(title="民意征集", slug="surveys-journey")
    home.add_child(instance=index)
    survey = make_survey(index, results_visibility="while_open")

    # 1. Sign up in the app (the site's sign-up form: display name and privacy consent).
    app = AppClient()
    refused = app.client.post(
        "/_allauth/app/v1/auth/signup",
        json.dumps({"email": "wang@example.cn", "password": "a-long-password-1"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    signed_up = app.client.post(
        "/_allauth/app/v1/auth/signup",
        json.dumps(
            {
                "email": "wang@example.cn",
                "password": "a-long-password-1",
                "display_name": "王阿姨",
                "privacy_consent": True,
            }
        ),
        content_type="application/json",
    )
    assert signed_up.status_code == 200, signed_up.content
    # Then log in as the app does on a new phone.
    token = app.login("wang@example.cn", "a-long-password-1")
    me = app.get("/api/v1/me").json()
    assert me["display_name"] == "王阿姨" and me["privacy_consent_required"] is False

    # 2. Set the home grid from the lists.
    street = app.get("/api/v1/geo/streets").json()[0]["id"]
    community = app.get(f"/api/v1/geo/streets/{street}/communities").json()[0]["id"]
    grid = app.get(f"/api/v1/geo/communities/{community}/grids").json()[0]["id"]
    assert app.patch("/api/v1/me", {"home_grid_id": grid}).json()["home_grid"]["id"] == grid

    # 3. Answer a survey (a retried request with the same key) and edit the answer.
    detail = app.get(f"/api/v1/surveys/{survey.pk}").json()
    keys = [q["key"] for q in detail["questions"]]
    answers = {keys[0]: "楼道照明", keys[1]: ["助餐"], keys[2]: 5, keys[3]: "多装几盏灯"}
    url = f"/api/v1/surveys/{survey.pk}/response"
    for _ in range(2):
        sent = app.post(url, {"answers": answers}, **{"Idempotency-Key": "journey-1"})
        assert sent.status_code == 201
    answers[keys[2]] = 3
    assert app.put(url, {"answers": answers}).json()["answers"][keys[2]] == 3
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert app.get(f"/api/v1/surveys/{survey.pk}").json()["me"]["answered"] is True

    # 6. Download my data: the answer is in it.
    archive = zipfile.ZipFile(io.BytesIO(app.post("/api/v1/me/data-export").content))
    assert "多装几盏灯" in "".join(archive.read(n).decode("utf-8") for n in archive.namelist())

    # Log out: the token stops working.
    logout = app.client.delete("/_allauth/app/v1/auth/session", headers={"X-Session-Token": token})
    assert logout.status_code == 401  # allauth: "logged out" is a 401 with the flows
    assert_problem(app.get("/api/v1/me"), 401)
