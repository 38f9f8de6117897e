"""A staff export holds exactly the rows of the listing the staff member sees: the same scope
(their communities), the same filters and the same search box (portal.export_jobs), for every
exportable admin listing."""

import csv
import io

import pytest

from portal.export_jobs import table_sources
from tests import factories
from tests.portal.export_helpers import export_through_job
from tests.projects.factories import make_organization
from tests.volunteers.factories import make_member, make_shift
from volunteers.models import SignUp

pytestmark = pytest.mark.django_db

SHIFTS = "/admin/volunteers/shifts/"
MEMBERSHIPS = "/admin/volunteers/memberships/"


@pytest.fixture(autouse=True)
def _private_exports(settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"


@pytest.fixture
def world(grids):
    """Rows in two communities of two streets, with words that a search tells apart."""
    mine, other = grids[0], grids[4]
    admin = factories.make_district_admin()
    for grid, where in ((mine, "本"), (other, "外")):
        patrol = make_shift(grid=grid, title=f"{where}社区徒步巡查", place="网格服务站")
        make_shift(grid=grid, title=f"{where}社区楼道保洁", place="三号楼", members_only=False)
        zhang = make_member(grid=grid, display_name=f"张{where}明")
        make_member(grid=grid, display_name=f"李{where}华")
        SignUp.objects.create(shift=patrol, user=zhang, status=SignUp.Status.CONFIRMED)
        make_organization(
            owner=factories.make_user(),
            communities=[grid.community],
            name=f"{where}社区养老服务中心",
        )
        make_organization(
            owner=factories.make_user(), communities=[grid.community], name=f"{where}社区青少年之家"
        )
    staff = factories.make_community_staff(mine.community)
    return {"mine": mine, "other": other, "staff": staff, "admin": admin}


def _first_column(response) -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return sorted(row[0] for row in list(csv.reader(io.StringIO(body)))[1:])


def test_a_shift_export_holds_the_searched_rows_of_the_staff_members_community(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["staff"])
    listing = client.get(SHIFTS, {"q": "巡查"})
    assert [shift.title for shift in listing.context["object_list"]] == ["本社区徒步巡查"]
    response = export_through_job(
        client, SHIFTS, "csv", django_capture_on_commit_callbacks, q="巡查"
    )
    assert _first_column(response) == ["本社区徒步巡查"]


def test_an_export_applies_the_search_and_the_filters_together(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["admin"])
    response = export_through_job(
        client, SHIFTS, "csv", django_capture_on_commit_callbacks, q="本", members_only="false"
    )
    assert _first_column(response) == ["本社区楼道保洁"]


def test_a_roster_export_searched_by_name_never_holds_another_communitys_people(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["staff"])
    response = export_through_job(
        client, MEMBERSHIPS, "csv", django_capture_on_commit_callbacks, q="张"
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "张本明" in body
    assert "李本华" not in body and "张外明" not in body


SEARCHES = ["社区", "巡查", "张", "养老", "网格", "G", "外", "本"]


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_every_export_holds_exactly_the_rows_of_its_searched_listing(client, world, who):
    """For each exportable listing and search: the export's rows are the listing's rows."""
    user = world[who]
    client.force_login(user)
    compared = 0
    for source in table_sources().values():
        if not source.allowed(user):
            continue
        url = source.viewset.menu_url  # the listing (a snippet's is named "list")
        for term in SEARCHES:
            listing = client.get(url, {"q": term})
            assert listing.status_code == 200, (source.name, term)
            page = listing.context.get("page_obj")  # every page of the listing, not the first
            rows = page.paginator.object_list if page else listing.context["object_list"]
            shown = {item.pk for item in rows}
            exported = {item.pk for item in source.queryset(user, f"q={term}")}
            assert exported == shown, (source.name, term)
            compared += bool(shown)
    # The searches found rows in several listings (not a comparison of empty lists).
    assert compared >= 8
