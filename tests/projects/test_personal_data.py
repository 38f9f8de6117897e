"""Organization records in the person's data download; the last owner cannot delete their
account until someone else can run the organization."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError

from portal import services as portal_services
from projects.models import OrganizationMember
from tests.factories import PASSWORD, make_district_admin, make_user
from tests.projects.factories import add_editor, make_organization, make_project_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization(home_page, grids):
    make_project_index(home_page)
    owner = make_user(home_grid=grids[0])
    return make_organization(
        owner=owner, communities=[grids[0].community], verify_by=make_district_admin()
    )


def test_download_lists_memberships_and_applications(organization):
    owner = organization.memberships.get(role=OrganizationMember.Role.OWNER).user
    archive = zipfile.ZipFile(io.BytesIO(portal_services.account_data_archive(user=owner)))
    memberships = json.loads(archive.read("organization_memberships.json"))
    applications = json.loads(archive.read("organization_applications.json"))
    assert [m["organization"] for m in memberships] == [organization.name]
    assert [a["organization"] for a in applications] == [organization.name]


def test_last_owner_is_told_why_and_nothing_changes(client, organization):
    owner = organization.memberships.get(role=OrganizationMember.Role.OWNER).user
    with pytest.raises(ValidationError) as error:
        portal_services.account_delete(user=owner, password=PASSWORD)
    assert organization.name in str(error.value)
    owner.refresh_from_db()
    assert owner.is_active
    client.force_login(owner)
    html = client.get("/me/delete/").content.decode()
    assert "唯一的负责人" in html and "确认注销" not in html


def test_an_editor_can_leave_and_loses_membership(organization, grids):
    editor = make_user(home_grid=grids[0])
    add_editor(organization, editor)
    portal_services.account_delete(user=editor, password=PASSWORD)
    assert not OrganizationMember.objects.filter(user=editor).exists()
    editor.refresh_from_db()
    assert not editor.groups.exists()
