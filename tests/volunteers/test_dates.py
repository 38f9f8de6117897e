"""Shift times read in the page's language: Chinese as always, English with no 年月日."""

import datetime

from django.urls import reverse
from django.utils import translation

from tests.portal.test_formats import english_dates_are_clean
from tests.volunteers.factories import make_member
from volunteers import services
from volunteers.models import Shift

UTC = datetime.UTC
STARTS = datetime.datetime(2099, 12, 8, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai


def test_shift_page_and_my_shifts_in_both_languages(client, grid, leader):
    shift = Shift.objects.create(
        grid=grid,
        title="徒步巡查",
        place="网格服务站",
        capacity=5,
        starts_at=STARTS,
        ends_at=STARTS + datetime.timedelta(hours=2),
        signup_deadline=STARTS - datetime.timedelta(hours=2),
    )
    me = make_member(grid=grid)
    services.shift_sign_up(shift=shift, user=me)
    client.force_login(me)

    url = reverse("volunteers:shift_detail", args=[shift.pk])
    chinese = client.get(url).content.decode()
    assert "2099年12月8日 18:00" in chinese and "2099年12月8日 16:00" in chinese
    english = client.get("/en" + url).content.decode()
    assert "8 Dec 2099, 18:00" in english and "8 Dec 2099, 16:00" in english
    assert english_dates_are_clean(english)

    chinese = client.get(reverse("account_home")).content.decode()
    assert "12月8日 18:00" in chinese
    with translation.override("en"):
        english = client.get(reverse("account_home")).content.decode()
    assert "8 Dec 18:00" in english
    assert english_dates_are_clean(english)

    chinese = client.get(reverse("volunteers:index")).content.decode()
    assert "12月8日 18:00" in chinese
    with translation.override("en"):
        english = client.get(reverse("volunteers:index")).content.decode()
    assert "8 Dec 18:00" in english and english_dates_are_clean(english)
