"""Factories for the projects tests: an index with its workflow, organizations, projects."""

import itertools

from projects import services
from projects.models import (
    Category,
    Organization,
    OrganizationMember,
    ProjectIndexPage,
    ServiceProjectPage,
)
from projects.validators import CREDIT_CODE_CHARSET, credit_code_check_character
from tests import factories

_seq = itertools.count(1)


def credit_code(n: int | None = None, *, prefix: str = "52370203") -> str:
    """A valid GB 32100 code: prefix (authority, category, division) + 9 chars + check."""
    n = next(_seq) if n is None else n
    body = ""
    value = n
    for _i in range(9):
        body = CREDIT_CODE_CHARSET[value % 31] + body
        value //= 31
    first17 = prefix + body
    return first17 + credit_code_check_character(first17)


def ensure_categories() -> None:
    """The seeded categories (data migration); transactional tests flush them."""
    from importlib import import_module

    seeded = import_module("projects.migrations.0002_categories").CATEGORIES
    for order, (name, slug) in enumerate(seeded):
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


def make_project_index(home_page) -> ProjectIndexPage:
    ensure_categories()
    index = ProjectIndexPage.objects.first()
    if index is None:
        index = ProjectIndexPage(title="创益工场", slug="projects", show_in_menus=True)
        home_page.add_child(instance=index)
        index.save_revision().publish()
    services.project_index_setup(index=index)
    return index


def make_organizations_a_and_b(grids, *, verify_by) -> tuple[Organization, Organization]:
    """The tests' two verified organizations: 甲 serving grids[0]'s community, 乙 serving
    grids[4]'s (another street in factories.make_geography()), each with an owner living
    there."""
    org_a = make_organization(
        owner=factories.make_user(home_grid=grids[0]),
        communities=[grids[0].community],
        name="甲社工服务中心",
        verify_by=verify_by,
    )
    org_b = make_organization(
        owner=factories.make_user(home_grid=grids[4]),
        communities=[grids[4].community],
        name="乙志愿服务队",
        verify_by=verify_by,
    )
    return org_a, org_b


def make_organization(*, owner, communities, name=None, verify_by=None) -> Organization:
    n = next(_seq)
    organization = services.organization_apply(
        applicant=owner,
        data={
            "name": name or f"测试社会组织{n}",
            "credit_code": credit_code(n),
            "org_type": Organization.Type.COMMUNITY,
            "contact_person": "李明",
            "phone": "0532-88886666",
            "email": f"org{n}@example.cn",
            "description": "为社区居民提供志愿服务。",
            "street": communities[0].street,
            "service_communities": communities,
        },
    )
    if verify_by is not None:
        organization = services.organization_verify(organization=organization, by=verify_by)
    return organization


def add_editor(organization, user) -> OrganizationMember:
    member = OrganizationMember.objects.create(
        organization=organization, user=user, role=OrganizationMember.Role.EDITOR
    )
    services.organization_sync_group(organization=organization)
    return member


def make_project(
    organization,
    *,
    title=None,
    publish=True,
    communities=(),
    category_slug="elderly",
    tags=(),
    **fields,
) -> ServiceProjectPage:
    n = next(_seq)
    fields.setdefault("summary", "为独居老人提供上门探访服务。")
    fields.setdefault("recruiting_status", ServiceProjectPage.RecruitingStatus.RECRUITING)
    project = ServiceProjectPage(
        title=title or f"测试项目{n}",
        slug=f"project-{n}",
        category=Category.objects.get(slug=category_slug),
        live=publish,
        **fields,
    )
    organization.page.add_child(instance=project)
    if communities:
        project.service_communities.set(communities)
    if tags:
        project.tags.add(*tags)  # saved with the revision below
    revision = project.save_revision()
    if publish:
        revision.publish()
    project.refresh_from_db()
    return project
