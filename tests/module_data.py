"""Data that every test of a module reads, made once for the module instead of once a test.

    @pytest.fixture(scope="module")
    def _module_world(django_db_setup, django_db_blocker):
        with rolled_back_module_data(django_db_blocker):
            yield make_world()  # primary keys, not instances

The rows are written inside a transaction that stays open for the module and is rolled back
after its last test, as Django's TestCase.setUpTestData does for a class. Each test's own
`db` transaction is a savepoint inside it, rolled back after the test, so what a test writes
never reaches the next one. Return primary keys and let a function-scoped fixture read the
instances for each test: an instance a test changes in memory (a page's workflow state, a
revision) must not be the next test's. Only for modules whose tests use `db`, not
`transactional_db` (a transactional test would commit, then flush, the module's rows).
"""

from __future__ import annotations

import contextlib

from django.db import transaction


@contextlib.contextmanager
def rolled_back_module_data(django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
