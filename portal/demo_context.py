"""What the demo-data and bench-data commands hand to each app's loader.

Each app registers, in its wagtail_hooks.py, its `demo.load(ctx)` as the hook
"portal_demo_data", its `bench_data.generate(ctx)` as "portal_bench_data" and its
`bench_data.bench_urls()` (name, URL pairs) as "portal_bench_urls". The commands call them
in hook order (portal first at 0, then projects 10, volunteers 20, surveys 30, cases 40), so
an app can use what the apps before it created (ctx.users, ctx.home_page, ...).
"""

import random
from dataclasses import dataclass, field
from typing import Any


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
