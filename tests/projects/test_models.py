import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import HomePage
from projects.models import (
    Organization,
    OrganizationMember,
    OrganizationPage,
    ProjectIndexPage,
    ServiceProjectPage,
)
from tests.projects import factories as project_factories


def test_page_types_live_only_where_they_belong():
    assert ProjectIndexPage.allowed_parent_page_models() == [HomePage]
    assert ProjectIndexPage.allowed_subpage_models() == [OrganizationPage]
    assert OrganizationPage.allowed_parent_page_models() == [ProjectIndexPage]
    assert OrganizationPage.allowed_subpage_models() == [ServiceProjectPage]
    assert ServiceProjectPage.allowed_parent_page_models() == [OrganizationPage]
    assert ServiceProjectPage.allowed_subpage_models() == []


def test_categories_are_seeded(db):
    from projects.models import Category

    assert list(Category.objects.values_list("name", flat=True)) == [
        "养老服务",
        "助残",
        "青少年与儿童",
        "环境保护",
        "文化体育",
        "法律援助",
        "社区治理",
        "应急与安全",
        "健康",
        "其他",
    ]


def test_a_rejection_without_reason_is_refused_by_the_database(org_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=org_a.pk).update(
            status="rejected", review_reason="", reviewed_at=timezone.now()
        )


def test_one_membership_per_person_and_organization(org_a):
    owner = org_a.memberships.get().user
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationMember.objects.create(organization=org_a, user=owner, role="editor")


def test_project_end_date_not_before_start(org_a):
    import datetime

    project = project_factories.make_project(org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceProjectPage.objects.filter(pk=project.pk).update(
            start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 1)
        )


def test_moved_project_follows_its_new_organization(org_a, org_b):
    project = project_factories.make_project(org_a)
    project.move(org_b.page, pos="last-child")
    project = ServiceProjectPage.objects.get(pk=project.pk)
    project.save()
    assert project.organization_id == org_b.pk
