import pytest

from tests import factories
from tests.projects import factories as project_factories


@pytest.fixture
def project_index(home_page):
    return project_factories.make_project_index(home_page)


@pytest.fixture
def org_a(project_index, grids, district_admin):
    owner = factories.make_user(home_grid=grids[0])
    return project_factories.make_organization(
        owner=owner,
        communities=[grids[0].community],
        name="甲社工服务中心",
        verify_by=district_admin,
    )


@pytest.fixture
def org_b(project_index, grids, district_admin):
    owner = factories.make_user(home_grid=grids[4])
    return project_factories.make_organization(
        owner=owner,
        communities=[grids[4].community],
        name="乙志愿服务队",
        verify_by=district_admin,
    )
