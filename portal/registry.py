"""Where the other apps plug into portal pages without portal importing them.

`portal` is the base app: `projects`, `volunteers` and `surveys` depend on it, never the
other way round. They register, in their AppConfig.ready(), the sections they add to the
home page and the account area ("我的") and their links in the main navigation.
A section's `context(request)` returns a dict for its template, or None to hide it; it must
run a fixed number of queries however much data there is.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    context: Callable[[HttpRequest], dict | None]
    order: int = 100


@dataclass(frozen=True)
class NavItem:
    name: str
    label: str
    url_name: str
    order: int = 100


_home_sections: dict[str, Section] = {}
_account_sections: dict[str, Section] = {}
_nav_items: dict[str, NavItem] = {}


def register_home_section(*, name: str, template: str, context, order: int = 100) -> None:
    _home_sections[name] = Section(name, template, context, order)


def register_account_section(*, name: str, template: str, context, order: int = 100) -> None:
    _account_sections[name] = Section(name, template, context, order)


def register_nav_item(*, name: str, label: str, url_name: str, order: int = 100) -> None:
    _nav_items[name] = NavItem(name, label, url_name, order)


def render_section(template: str, context: dict, request: HttpRequest) -> str:
    """Render a section without re-running the context processors (the page around it has
    already run them once); `request`, `user` and the CSRF token are passed in."""
    return get_template(template).render(
        {"request": request, "user": request.user, "csrf_token": get_token(request), **context}
    )


def _render(sections: dict[str, Section], request: HttpRequest) -> list[str]:
    rendered = []
    for section in sorted(sections.values(), key=lambda s: (s.order, s.name)):
        context = section.context(request)
        if context is None:
            continue
        rendered.append(render_section(section.template, context, request))
    return rendered


def render_home_sections(request: HttpRequest) -> list[str]:
    return _render(_home_sections, request)


def render_account_sections(request: HttpRequest) -> list[str]:
    return _render(_account_sections, request)


def nav_items() -> list[dict]:
    items = []
    for item in sorted(_nav_items.values(), key=lambda i: (i.order, i.name)):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"title": item.label, "url": url})
    return items


# Named slots on other apps' pages, e.g. the volunteers app adds the activity list to the
# projects app's project page: register_slot_section(slot="service_project_page", ...);
# the page renders render_slot("service_project_page", request, page=self).
_slots: dict[str, dict[str, Section]] = {}


def register_slot_section(*, slot: str, name: str, template: str, context, order: int = 100):
    """`context(request, **kwargs)` returns a dict for `template`, or None to hide it."""
    _slots.setdefault(slot, {})[name] = Section(name, template, context, order)


def render_slot(slot: str, request: HttpRequest, **kwargs) -> list[str]:
    rendered = []
    for section in sorted(_slots.get(slot, {}).values(), key=lambda s: (s.order, s.name)):
        context = section.context(request, **kwargs)
        if context is None:
            continue
        rendered.append(render_section(section.template, context, request))
    return rendered


# Personal data (PIPL Art. 45 copy, Art. 47 deletion). Each app registers what it holds about
# a person: `export(user) -> list[dict]` (rows of plain values), and for deletion an optional
# `check(user) -> list[str]` (sentences that block deletion, e.g. "last owner of X") and an
# `erase(user)` that removes personal data and future commitments while keeping anonymous
# aggregates. Erase steps run inside one transaction, apps before portal (higher order first).
@dataclass(frozen=True)
class PersonalData:
    name: str
    export: Callable | None
    check: Callable | None
    erase: Callable | None
    order: int


_personal_data: dict[str, PersonalData] = {}


def register_personal_data(
    *, name: str, export=None, check=None, erase=None, order: int = 100
) -> None:
    _personal_data[name] = PersonalData(name, export, check, erase, order)


def personal_data() -> list[PersonalData]:
    return sorted(_personal_data.values(), key=lambda p: (p.order, p.name))
