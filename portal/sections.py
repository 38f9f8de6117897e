"""Where the feature apps add to portal pages, through Wagtail hooks.

`portal` is the base app: the feature apps depend on it, never the other way round. Each
app registers, in its `wagtail_hooks.py`, one function per extension point, with the
hook's `order` placing it among the other apps' (lower first):

- "portal_home_sections": `home_section(request) -> str | None`, the HTML of a section on
  the home page, or None to hide it.
- "portal_account_sections": `account_section(request) -> str | None`, the same on 我的.
- "portal_nav_items": `nav_item() -> {"title": …, "url": …}`, a link in the main navigation.
- "portal_stylesheets": `stylesheet() -> str`, the static path of a stylesheet every page
  links (the home page and 我的 show every app's sections).

Personal data and notification kinds have their own hooks (portal.personal_data,
portal.notifications). A section must run a fixed number of queries however much data
there is.
"""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.functional import SimpleLazyObject
from wagtail import hooks


def render_section(template: str, context: dict, request: HttpRequest) -> str:
    """Render a section without re-running the context processors (the page around it has
    already run them once); `request`, `user` and the CSRF token are passed in."""
    return get_template(template).render(
        {
            "request": request,
            "user": request.user,
            # Lazy: a section without a form must not set the CSRF cookie (the page would
            # no longer be cacheable, portal.page_cache).
            "csrf_token": SimpleLazyObject(lambda: get_token(request)),
            **context,
        }
    )


def render_hook_sections(hook_name: str, request: HttpRequest, **kwargs) -> list[str]:
    """The HTML of every section registered for `hook_name`, in hook order, hidden ones
    left out. `kwargs` go to each section (e.g. the page it is shown on)."""
    rendered = []
    for section in hooks.get_hooks(hook_name):
        html = section(request, **kwargs)
        if html is not None:
            rendered.append(html)
    return rendered


def render_home_sections(request: HttpRequest) -> list[str]:
    return render_hook_sections("portal_home_sections", request)


def render_account_sections(request: HttpRequest) -> list[str]:
    return render_hook_sections("portal_account_sections", request)


def nav_items() -> list[dict]:
    return [nav_item() for nav_item in hooks.get_hooks("portal_nav_items")]


def stylesheets() -> list[str]:
    return [stylesheet() for stylesheet in hooks.get_hooks("portal_stylesheets")]
