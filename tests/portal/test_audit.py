"""Staff exports and views of contact lists are written to Wagtail's audit log."""

import pytest
from wagtail.models import ModelLogEntry, PageLogEntry

from tests import factories
from tests.surveys.factories import make_survey, route_url
from tests.volunteers.factories import make_member

pytestmark = pytest.mark.django_db


def test_roster_view_and_export_are_audited(client, grids):
    grid = grids[0]
    make_member(grid=grid)
    staff = factories.make_community_staff(grid.community)
    client.force_login(staff)
    assert client.get(f"/volunteers/grids/{grid.code}/roster/").status_code == 200
    assert client.get(f"/volunteers/grids/{grid.code}/roster.csv").status_code == 200
    actions = list(
        ModelLogEntry.objects.filter(user=staff).values_list("action", flat=True).order_by("pk")
    )
    assert actions == ["portal.view_contacts", "portal.export"]


def test_survey_export_is_audited(client, home_page, grids):
    from surveys.models import SurveyIndexPage

    index = home_page.add_child(instance=SurveyIndexPage(title="民意征集", slug="surveys"))
    survey = make_survey(index)
    admin = factories.make_district_admin(is_superuser=True)
    client.force_login(admin)
    response = client.get(route_url(survey, "export", kind="results", fmt="csv"))
    assert response.status_code == 200
    assert PageLogEntry.objects.filter(user=admin, action="portal.export").count() == 1
