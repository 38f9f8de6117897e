"""Resource modules: each defines `router = Router(tags=[...])`; RESOURCES mounts them."""

from importlib import import_module

# (module, URL prefix under /api/v1/)
RESOURCES = [
    ("api.resources.me", "/me"),
    ("api.resources.geo", "/geo"),
    ("api.resources.surveys", "/surveys"),
    ("api.resources.projects", "/"),
    ("api.resources.volunteers", "/volunteers"),
    ("api.resources.cases", "/cases"),
]

_loaded = False


def load() -> None:
    global _loaded
    if _loaded:
        return
    from api.core import register

    for module_name, prefix in RESOURCES:
        register(prefix, import_module(module_name).router)
    _loaded = True
