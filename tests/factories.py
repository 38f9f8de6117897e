"""Small builders for the rows a test needs. Never load the whole demo data in a unit test."""

import itertools

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from portal.models import Community, Grid, HomePage, Street, User
from portal.permissions import COMMUNITY_STAFF, DISTRICT_ADMINS

_seq = itertools.count(1)
PASSWORD = "test-password-123"


def make_user(*, email: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_seq)
    fields.setdefault("display_name", f"居民{n}")
    fields.setdefault("privacy_consent_version", "2026-11")
    fields.setdefault("privacy_consent_at", timezone.now())
    return User.objects.create_user(
        email=email or f"user{n}@example.cn", password=password, **fields
    )


def make_geography(*, streets: int = 2, communities: int = 2, grids: int = 2) -> list[Grid]:
    """streets × communities × grids grids with unique codes; returns the grids."""
    result = []
    base = next(_seq) * 1000
    for s in range(streets):
        street = Street.objects.create(code=f"S{base + s}", name=f"测试{base + s}街道")
        for c in range(communities):
            community = Community.objects.create(
                street=street, code=f"C{base + s}{c:02d}", name=f"测试{base + s}-{c}社区"
            )
            for g in range(grids):
                result.append(
                    Grid.objects.create(
                        community=community,
                        code=f"G{base + s}{c:02d}{g:02d}",
                        name=f"第{g + 1}网格",
                    )
                )
    return result


def district_admin_group() -> Group:
    group, _ = Group.objects.get_or_create(name=DISTRICT_ADMINS)
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    return group


def community_staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name=COMMUNITY_STAFF)
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    return group


def make_district_admin(**fields) -> User:
    user = make_user(is_staff=True, **fields)
    user.groups.add(district_admin_group())
    return user


def make_community_staff(community: Community, **fields) -> User:
    user = make_user(is_staff=True, **fields)
    user.groups.add(community_staff_group())
    user.staff_communities.add(community)
    return user


def make_home_page() -> HomePage:
    """A HomePage as the default site's root (replacing Wagtail's placeholder page)."""
    existing = HomePage.objects.first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    if root is None:
        # Transactional tests flush every table, Wagtail's root page and locale included.
        Locale.objects.get_or_create(language_code="zh-hans")
        root = Page.add_root(title="Root", slug="root")
    home = root.add_child(instance=HomePage(title="首页", slug=f"home-{next(_seq)}"))
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page = home
        site.save()
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    return home
