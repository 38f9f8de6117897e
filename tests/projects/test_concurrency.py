import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from projects import services
from projects.models import Organization, OrganizationPage
from tests import factories
from tests.projects import factories as project_factories


@pytest.mark.django_db(transaction=True)
def test_two_staff_verifying_at_once_make_one_page(require_postgres):
    home = factories.make_home_page()
    grids = factories.make_geography()
    project_factories.make_project_index(home)
    organization = project_factories.make_organization(
        owner=factories.make_user(), communities=[grids[0].community]
    )
    reviewers = [factories.make_community_staff(grids[0].community) for _i in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def verify(reviewer):
        try:
            barrier.wait()
            services.organization_verify(organization=organization, by=reviewer)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=verify, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert OrganizationPage.objects.filter(organization=organization).count() == 1
    assert Organization.objects.get(pk=organization.pk).status == "verified"
