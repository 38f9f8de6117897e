"""The cases settings (诉求类别与时限, 节假日与调休) as the roles the migrations create see them:
district administrators manage them, community staff and everyone else do not, and the
snippet choosers ask the same model permissions as the other views."""

import pytest
from django.urls import reverse

from cases.models import WorkingDayOverride
from tests import factories
from tests.cases.factories import make_category

pytestmark = pytest.mark.django_db

SNIPPETS = ("casecategory", "workingdayoverride")


def test_district_admins_manage_working_days(client):
    client.force_login(factories.make_district_admin())
    url = reverse("wagtailsnippets_cases_workingdayoverride:add")
    response = client.post(url, {"date": "2030-10-01", "is_working": "", "name": "国庆节"})
    assert response.status_code == 302
    override = WorkingDayOverride.objects.get(date="2030-10-01")
    response = client.get(reverse("wagtailsnippets_cases_workingdayoverride:list"))
    assert response.status_code == 200
    assert "国庆节" in response.text
    edit = reverse("wagtailsnippets_cases_workingdayoverride:edit", args=[override.pk])
    assert client.get(edit).status_code == 200


@pytest.mark.parametrize("model", SNIPPETS)
def test_district_admins_open_the_lists_and_choosers(client, model):
    make_category()
    client.force_login(factories.make_district_admin())
    for url in (
        reverse(f"wagtailsnippets_cases_{model}:list"),
        reverse(f"wagtailsnippets_cases_{model}:add"),
        reverse(f"wagtailsnippetchoosers_cases_{model}:choose"),
        reverse(f"wagtailsnippetchoosers_cases_{model}:create"),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", SNIPPETS)
def test_community_staff_get_neither_the_lists_nor_the_choosers(client, model):
    category = make_category()
    grid = factories.make_geography()[0]
    client.force_login(factories.make_community_staff(grid.community))
    listing = client.get(reverse(f"wagtailsnippets_cases_{model}:list"))
    assert listing.status_code == 302  # Wagtail's "no permission" back to the dashboard
    for view in ("choose", "choose_results", "chosen_multiple", "create"):
        url = reverse(f"wagtailsnippetchoosers_cases_{model}:{view}")
        assert _refused(client.get(url)), url
    if model == "casecategory":
        chosen = reverse("wagtailsnippetchoosers_cases_casecategory:chosen", args=[category.pk])
        response = client.get(chosen)
        assert _refused(response)
        assert category.name not in response.text


def _refused(response) -> bool:
    """403, or Wagtail's answer to PermissionDenied in the admin: back to the dashboard."""
    if response.status_code == 302:
        return response.headers["Location"] == reverse("wagtailadmin_home")
    return response.status_code == 403
