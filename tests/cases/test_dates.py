"""Case times read in the page's language: Chinese as always, English with no 年月日."""

import datetime

from django.urls import reverse
from django.utils import translation

from cases.models import Case
from tests.portal.test_formats import english_dates_are_clean

UTC = datetime.UTC


def test_case_page_and_my_cases_in_both_languages(client, world):
    case = world.report(description="楼道堆放杂物")
    Case.objects.filter(pk=case.pk).update(
        created_at=datetime.datetime(2026, 10, 20, 17, 26, tzinfo=UTC),
        response_due_at=datetime.datetime(2026, 12, 4, 6, 53, tzinfo=UTC),
    )

    chinese = client.get(case.get_absolute_url()).content.decode()
    assert "2026年10月21日 01:26" in chinese and "2026年12月4日 14:53" in chinese
    english = client.get("/en" + case.get_absolute_url()).content.decode()
    assert "21 Oct 2026, 01:26" in english and "4 Dec 2026, 14:53" in english
    assert english_dates_are_clean(english)

    client.force_login(world.reporter)
    chinese = client.get(reverse("account_home")).content.decode()
    assert "期限 12月4日 14:53" in chinese
    with translation.override("en"):
        english = client.get(reverse("account_home")).content.decode()
    assert "Due 4 Dec 14:53" in english
    assert english_dates_are_clean(english)


def test_case_list_in_both_languages(client, world):
    case = world.report(description="楼道堆放杂物")
    Case.objects.filter(pk=case.pk).update(
        created_at=datetime.datetime(2026, 10, 20, 17, 26, tzinfo=UTC)
    )
    assert "2026年10月21日" in client.get(reverse("cases:index")).content.decode()
    with translation.override("en"):
        english = client.get(reverse("cases:index")).content.decode()
    assert "21 Oct 2026" in english and english_dates_are_clean(english)
