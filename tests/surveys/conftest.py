import pytest

from surveys.models import SurveyIndexPage
from tests.surveys.factories import make_survey


@pytest.fixture
def survey_index(home_page):
    existing = SurveyIndexPage.objects.first()
    if existing:
        return existing
    index = SurveyIndexPage(title="民意征集", slug="surveys")
    home_page.add_child(instance=index)
    return index


@pytest.fixture
def survey(survey_index):
    return make_survey(survey_index)


@pytest.fixture(autouse=True)
def _isolated_results_cache(monkeypatch):
    """Test databases reuse primary keys: each test gets its own results-cache keys (without
    clearing a cache that other test runs may share)."""
    isolate_results_cache(monkeypatch)


def isolate_results_cache(monkeypatch):
    import uuid

    from surveys import results_cache

    run = uuid.uuid4().hex
    monkeypatch.setattr(
        results_cache, "cache_prefix", lambda survey_id: f"surveys:{run}:{survey_id}"
    )
