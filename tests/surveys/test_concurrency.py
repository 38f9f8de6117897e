"""One response per person under real concurrency (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection

from surveys import services
from surveys.models import SurveyAnswer, SurveyResponse
from tests.factories import make_user
from tests.surveys.factories import answers_for, make_survey

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(count, work):
    barrier = threading.Barrier(count)
    outcomes = []
    lock = threading.Lock()

    def run(i):
        try:
            barrier.wait()
            result = work(i)
            with lock:
                outcomes.append(("ok", result))
        except Exception as error:  # noqa: BLE001 - every outcome is counted
            with lock:
                outcomes.append(("error", error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_simultaneous_submissions_by_one_user_store_one(require_postgres, home_page, grids):
    from surveys.models import SurveyIndexPage

    index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(index)
    user = make_user(home_grid=grids[0])
    data = answers_for(survey)

    outcomes = _run_together(
        20, lambda i: services.survey_submit(survey=survey, user=user, data=data)
    )

    ok = [o for kind, o in outcomes if kind == "ok"]
    errors = [o for kind, o in outcomes if kind == "error"]
    assert len(ok) == 1
    assert len(errors) == 19
    assert all(getattr(e, "code", "") == "already_answered" for e in errors), errors[:3]
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert SurveyAnswer.objects.filter(survey=survey).count() == len(
        SurveyAnswer.objects.filter(response=ok[0])
    )


def test_two_hundred_users_store_two_hundred(require_postgres, home_page, grids):
    from surveys.models import SurveyIndexPage

    index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(index)
    users = [make_user(home_grid=grids[i % len(grids)]) for i in range(200)]
    data = answers_for(survey)

    outcomes = _run_together(
        200, lambda i: services.survey_submit(survey=survey, user=users[i], data=data)
    )

    assert [kind for kind, _ in outcomes].count("ok") == 200, [o for k, o in outcomes if k != "ok"][
        :3
    ]
    assert SurveyResponse.objects.filter(survey=survey).count() == 200
    assert SurveyResponse.objects.filter(survey=survey).values("user").distinct().count() == 200
