"""The API's bench tools: the public lists bench/run.py measures next to their HTML pages, and
`manage.py bench_api_writes`, whose verdict must catch a lost, unanswered or doubled create."""

import pytest
from django.core.management import call_command

from api import bench_data
from api.management.commands.bench_api_writes import Answer, check
from portal.models import User
from surveys.models import SurveyIndexPage, SurveyResponse
from volunteers.models import Shift, SignUp


def _ok(user_id, body=b'{"id": 1}', replayed=False):
    return Answer(user_id, 201, replayed, body)


def test_check_accepts_one_row_per_accepted_resident_and_identical_retries():
    answers = [_ok(1, b"a"), _ok(1, b"a", replayed=True), _ok(2, b"b")]
    verdict = check(answers, [(1, 10), (2, 11)])
    assert verdict.ok, verdict.problems
    assert (verdict.sent, verdict.accepted, verdict.rows, verdict.replayed) == (3, 2, 2, 1)


@pytest.mark.parametrize(
    ("answers", "rows", "overbooked", "problem"),
    [
        ([_ok(1), _ok(2)], [(1, 10)], 0, "lost 1"),
        ([_ok(1), Answer(2, 0, False, b"timeout")], [(1, 10), (2, 11)], 0, "unanswered 1"),
        ([_ok(1), _ok(1, replayed=True)], [(1, 10), (1, 11)], 0, "duplicated 1"),
        ([_ok(1, b"a"), _ok(1, b"b")], [(1, 10)], 0, "replay_mismatch 1"),
        ([_ok(1)], [(1, 10)], 2, "overbooked 2"),
        ([_ok(1), Answer(2, 500, False, b"")], [(1, 10)], 0, "non-2xx 1"),
    ],
)
def test_check_reports_each_kind_of_failure(answers, rows, overbooked, problem):
    verdict = check(answers, rows, overbooked=overbooked)
    assert not verdict.ok
    assert problem in verdict.problems


def test_bench_urls_are_the_public_lists_and_answer_200(client, grids):
    urls = dict(bench_data.bench_urls())
    assert "grid=" in urls["API grid page (its shifts)"]
    for name, url in urls.items():
        assert name.startswith("API ")
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.content[:300])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["signup", "survey"])
def test_bench_api_writes_against_a_live_server(live_server, grids, home_page, kind, capsys):
    home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    # SQLite takes one writer at a time: one client thread (the PostgreSQL bench uses more).
    call_command(
        "bench_api_writes",
        kind=kind,
        base_url=live_server.url,
        requests=6,
        threads=1,
        shifts=2,
        capacity=2,
        repeat_share=0.5,
        logins=1,
    )
    out = capsys.readouterr().out
    assert out.strip().endswith("OK"), out
    residents = User.objects.filter(email__startswith="api-")
    assert residents.count() == 6
    if kind == "signup":
        signups = SignUp.objects.filter(shift__in=Shift.objects.filter(title__contains="接口压测"))
        assert signups.count() == 6
        assert signups.filter(status=SignUp.Status.CONFIRMED).count() == 4  # 2 shifts × 2
    else:
        assert SurveyResponse.objects.filter(user__in=residents).count() == 6
    assert "sent twice with the same key" in out and "replayed 3" in out
