"""A survey published before it opens is announced to its audience once it opens, in every
configuration: by `manage.py surveys_announce_due` (cron), and where no cron runs (the
immediate backend of `make run`) from the request path, at most once a minute; never twice."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.signals import task_enqueued

from portal.models import Notification, NotificationPreference
from surveys.models import SurveyAnnouncement, SurveyPage
from surveys.services import surveys_announce_due
from tests import factories
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def fan_outs():
    """How many announcement fan-outs were enqueued while the test runs."""
    seen = []

    def record(sender, task_result, **kwargs):
        if task_result.task.name == "notify_fan_out":
            seen.append(task_result.kwargs["event_key"])

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


@pytest.fixture
def listeners(grids):
    people = [factories.make_user(home_grid=grids[i]) for i in range(3)]
    for person in people:
        NotificationPreference.objects.create(
            user=person, kind="survey_opened", channel=NotificationPreference.SITE
        )
    return people


def _publish_upcoming(survey_index, django_capture_on_commit_callbacks):
    now = timezone.now()
    survey = make_survey(
        survey_index, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=3)
    )
    SurveyPage.objects.filter(pk=survey.pk).update(live=False)
    survey.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        survey.save_revision().publish()
    return survey


def _opens_now(survey, **fields):
    """Time passes: the survey's start is a minute ago."""
    fields.setdefault("opens_at", timezone.now() - timedelta(minutes=1))
    SurveyPage.objects.filter(pk=survey.pk).update(**fields)


def _told(survey) -> list[int]:
    return sorted(
        Notification.objects.filter(event_key=f"survey_opened:{survey.pk}").values_list(
            "recipient_id", flat=True
        )
    )


def test_a_survey_published_before_it_opens_is_announced_once_by_the_command(
    survey_index, listeners, fan_outs, django_capture_on_commit_callbacks
):
    survey = _publish_upcoming(survey_index, django_capture_on_commit_callbacks)
    assert _told(survey) == []  # not open yet: nobody is told
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_announce_due", stdout=io.StringIO())
    assert _told(survey) == []  # still not open: the sweep leaves it

    _opens_now(survey)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("surveys_announce_due", stdout=io.StringIO())
    assert _told(survey) == sorted(p.pk for p in listeners)
    assert fan_outs == [f"survey_opened:{survey.pk}"]

    # Every later run (cron every minute, another host) finds the claim and does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_announce_due() == 0
    assert len(_told(survey)) == len(listeners)
    assert fan_outs == [f"survey_opened:{survey.pk}"]


def test_a_survey_claimed_by_another_run_is_not_announced_again(
    survey_index, listeners, fan_outs, django_capture_on_commit_callbacks
):
    survey = _publish_upcoming(survey_index, django_capture_on_commit_callbacks)
    _opens_now(survey)
    SurveyAnnouncement.objects.create(survey_id=survey.pk)  # the other run won the claim
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_announce_due() == 0
    assert _told(survey) == [] and fan_outs == []


def test_closed_unpublished_and_private_surveys_are_not_announced(
    survey_index, listeners, fan_outs, django_capture_on_commit_callbacks
):
    now = timezone.now()
    closed = _publish_upcoming(survey_index, django_capture_on_commit_callbacks)
    _opens_now(closed, opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    unpublished = _publish_upcoming(survey_index, django_capture_on_commit_callbacks)
    _opens_now(unpublished)
    SurveyPage.objects.get(pk=unpublished.pk).unpublish()
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_announce_due() == 0
    assert fan_outs == []
    assert not Notification.objects.filter(kind="survey_opened").exists()


def test_a_survey_open_when_published_is_announced_at_once_and_not_again_by_the_sweep(
    survey_index, listeners, fan_outs, django_capture_on_commit_callbacks
):
    survey = make_survey(survey_index)
    SurveyPage.objects.filter(pk=survey.pk).update(live=False)
    survey.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        survey.save_revision().publish()
    assert _told(survey) == sorted(p.pk for p in listeners)
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_announce_due() == 0
    assert fan_outs == [f"survey_opened:{survey.pk}"]


def test_without_cron_a_page_request_announces_the_survey_that_opened(
    client, settings, survey_index, listeners, fan_outs, django_capture_on_commit_callbacks
):
    """`make run`: the immediate backend, no worker, no cron. Serving a page runs the due
    periodic work, at most once a minute."""
    settings.PORTAL_PERIODIC_WORK_ON_REQUEST = True
    survey = _publish_upcoming(survey_index, django_capture_on_commit_callbacks)
    _opens_now(survey)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(survey_index.url).status_code == 200
    assert _told(survey) == sorted(p.pk for p in listeners)

    # Another survey opens within the minute: the next requests leave it to the next run.
    later = _publish_upcoming(survey_index, django_capture_on_commit_callbacks)
    _opens_now(later)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(survey_index.url)
    assert _told(later) == []
    assert fan_outs == [f"survey_opened:{survey.pk}"]


def test_the_request_path_runs_no_periodic_work_when_turned_off(
    client, settings, survey_index, listeners, django_capture_on_commit_callbacks
):
    settings.PORTAL_PERIODIC_WORK_ON_REQUEST = False
    survey = _publish_upcoming(survey_index, django_capture_on_commit_callbacks)
    _opens_now(survey)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(survey_index.url).status_code == 200
    assert _told(survey) == []
