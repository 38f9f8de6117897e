"""Cancelling a sign-up asks first (a page, no JavaScript needed), says when a full shift's
place goes to the next person, and only a confirmed place is offered as a calendar file."""

import pytest
from django.urls import reverse

from tests.volunteers.factories import make_member, make_shift
from volunteers import services
from volunteers.models import SignUp

pytestmark = pytest.mark.django_db
S = SignUp.Status


def _text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_cancel_link_opens_a_confirmation_that_changes_nothing(client, grid, volunteer):
    shift = make_shift(grid=grid, capacity=5)
    signup = services.shift_sign_up(shift=shift, user=volunteer)
    client.force_login(volunteer)
    page = client.get(shift.get_absolute_url()).content.decode()
    cancel_url = reverse("volunteers:signup_cancel", args=[signup.pk])
    assert f'href="{cancel_url}"' in page

    response = client.get(cancel_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "确认取消报名？" in body and "确认取消报名</button>" in body
    assert "让给候补名单上的下一位" not in body
    signup.refresh_from_db()
    assert signup.status == S.CONFIRMED


def test_confirmation_on_a_full_shift_says_the_place_goes_to_the_next_person(client, grid):
    shift = make_shift(grid=grid, capacity=1)
    first, second = make_member(grid=grid), make_member(grid=grid)
    mine = services.shift_sign_up(shift=shift, user=first)
    services.shift_sign_up(shift=shift, user=second)
    client.force_login(first)
    body = client.get(reverse("volunteers:signup_cancel", args=[mine.pk])).content.decode()
    assert "您的名额会立即让给候补名单上的下一位" in body

    response = client.post(reverse("volunteers:signup_cancel", args=[mine.pk]))
    assert response.status_code == 302
    assert SignUp.objects.get(user=second, shift=shift).status == S.CONFIRMED


def test_confirmation_for_a_waitlisted_place_says_it_leaves_the_waitlist(client, grid):
    shift = make_shift(grid=grid, capacity=1)
    first, second = make_member(grid=grid), make_member(grid=grid)
    services.shift_sign_up(shift=shift, user=first)
    waiting = services.shift_sign_up(shift=shift, user=second)
    client.force_login(second)
    body = client.get(reverse("volunteers:signup_cancel", args=[waiting.pk])).content.decode()
    assert "取消后您将退出候补名单" in body


def test_nobody_else_can_open_the_confirmation(client, grid, volunteer):
    shift = make_shift(grid=grid)
    signup = services.shift_sign_up(shift=shift, user=volunteer)
    client.force_login(make_member(grid=grid))
    assert client.get(reverse("volunteers:signup_cancel", args=[signup.pk])).status_code == 404


def test_cancelled_sign_up_has_no_confirmation_page(client, grid, volunteer):
    shift = make_shift(grid=grid)
    signup = services.shift_sign_up(shift=shift, user=volunteer)
    services.shift_cancel(signup=signup, by=volunteer)
    client.force_login(volunteer)
    assert client.get(reverse("volunteers:signup_cancel", args=[signup.pk])).status_code == 404


def test_waitlisted_person_is_not_offered_a_calendar_file(client, grid):
    shift = make_shift(grid=grid, capacity=1)
    first, second = make_member(grid=grid), make_member(grid=grid)
    confirmed = services.shift_sign_up(shift=shift, user=first)
    waiting = services.shift_sign_up(shift=shift, user=second)

    client.force_login(second)
    body = client.get(shift.get_absolute_url()).content.decode()
    assert "候补第 1 位" in body
    assert reverse("volunteers:signup_ics", args=[waiting.pk]) not in body
    assert client.get(reverse("volunteers:signup_ics", args=[waiting.pk])).status_code == 404

    client.force_login(first)
    ics_url = reverse("volunteers:signup_ics", args=[confirmed.pk])
    assert ics_url in client.get(shift.get_absolute_url()).content.decode()
    response = client.get(ics_url)
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.content


def test_roster_page_says_what_its_export_holds(client, grid, leader, volunteer):
    applicant = make_member(grid=grid)
    applicant.roster_memberships.update(status="applied")
    client.force_login(leader)
    body = client.get(reverse("volunteers:roster", args=[grid.code])).content.decode()
    # leader + volunteer are members, one application: three rows in the export.
    assert "本导出仅含这个网格的名册成员和待审核申请" in body
    assert "（3 人）" in body
    export = client.get(reverse("volunteers:roster_export", args=[grid.code, "csv"]))
    lines = _text(export).strip().splitlines()
    assert len(lines) - 1 == 3


def test_shift_page_says_what_its_export_holds(client, grid, leader, volunteer):
    shift = make_shift(grid=grid, capacity=1)
    services.shift_sign_up(shift=shift, user=volunteer)
    services.shift_sign_up(shift=shift, user=make_member(grid=grid))
    client.force_login(leader)
    body = client.get(shift.get_absolute_url()).content.decode()
    assert "本导出包含这个班次的全部报名记录（2 条" in body
    export = client.get(reverse("volunteers:shift_export", args=[shift.pk, "csv"]))
    assert len(_text(export).strip().splitlines()) - 1 == 2
