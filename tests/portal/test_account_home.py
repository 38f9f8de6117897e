"""我的 renders in a fixed number of queries however long the person's history is: 500
sign-ups (upcoming, waitlisted, past with hours) and 50 survey responses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from surveys import services as survey_services
from surveys.models import SurveyIndexPage
from tests.surveys.factories import answers_for, make_survey
from tests.volunteers.factories import make_member
from volunteers.models import ServiceRecord, Shift, SignUp

pytestmark = pytest.mark.django_db


def _history(user, grid, *, signups: int, responses: int, survey_index):
    now = timezone.now()
    shifts = []
    for n in range(signups):
        start = now + timedelta(days=(n % 40) - 20, hours=n % 7)
        shifts.append(
            Shift(
                grid=grid,
                title=f"徒步巡查{n}",
                place="网格服务站",
                capacity=5,
                members_only=True,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                signup_deadline=start,
            )
        )
    shifts = Shift.objects.bulk_create(shifts)
    rows = []
    for n, shift in enumerate(shifts):
        past = shift.starts_at < now
        status = (
            SignUp.Status.ATTENDED
            if past
            else SignUp.Status.WAITLISTED
            if n % 5 == 0
            else SignUp.Status.CONFIRMED
        )
        rows.append(SignUp(shift=shift, user=user, status=status))
    signups_made = SignUp.objects.bulk_create(rows)
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                signup=signup,
                user=user,
                shift=signup.shift,
                item=signup.shift.title,
                served_on=signup.shift.starts_at.date(),
                hours=Decimal("2.00"),
            )
            for signup in signups_made
            if signup.status == SignUp.Status.ATTENDED
        ]
    )
    for n in range(responses):
        survey = make_survey(survey_index, title=f"意见征集{n}", slug=f"s{user.pk}-{n}")
        survey_services.survey_submit(survey=survey, user=user, data=answers_for(survey))


def test_account_home_query_count_does_not_grow_with_history(
    client, grids, home_page, django_assert_max_num_queries
):
    survey_index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    grid = grids[0]
    small = make_member(grid=grid, email="small@example.cn")
    large = make_member(grid=grid, email="large@example.cn")
    _history(small, grid, signups=3, responses=1, survey_index=survey_index)
    _history(large, grid, signups=500, responses=50, survey_index=survey_index)
    assert SignUp.objects.filter(user=large).count() == 500

    client.force_login(small)
    client.get("/me/")
    with django_assert_max_num_queries(18) as small_queries:
        assert client.get("/me/").status_code == 200
    client.force_login(large)
    client.get("/me/")
    with django_assert_max_num_queries(18) as large_queries:
        response = client.get("/me/")
    assert response.status_code == 200
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)
    html = response.content.decode()
    assert "意见征集49" in html or "问卷" in html
