"""What the demo-data and bench-data commands hand to each app's loader.

Each app may have a `demo.py` with `load(ctx)` and a `bench_data.py` with
`generate(ctx)`; the commands call them in INSTALLED_APPS order (portal first), so an app
can use what the apps before it created (ctx.users, ctx.home_page, ...).
"""

import importlib
import random
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps


@dataclass
class DemoContext:
    stdout: Any
    seed: int = 370203
    scale: int = 1
    rng: random.Random = field(init=False)
    users: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    home_page: Any = None
    password: str = "shibei-demo-2026"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def log(self, message: str) -> None:
        self.stdout.write(message)


def app_modules(module_name: str):
    """The `<app>.<module_name>` modules of the project's own apps, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if config.name not in ("portal", "projects", "volunteers", "surveys", "cases"):
            continue
        try:
            yield importlib.import_module(f"{config.name}.{module_name}")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.{module_name}":
                raise
