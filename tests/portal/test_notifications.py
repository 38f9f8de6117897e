"""notify(): one message per event and recipient, preferences respected, email only after
commit, and a mail failure never loses the message or breaks the action."""

import pytest
from django.core import mail
from django.db import transaction

from portal.models import Notification, NotificationPreference
from portal.notifications import notify
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_notify_stores_one_message_and_emails_after_commit():
    user = factories.make_user()
    with transaction.atomic():
        notify(recipient=user, kind="roster_decided", subject="申请已通过", body="欢迎加入")
        assert len(mail.outbox) == 0  # nothing leaves before the commit
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "申请已通过"
    assert Notification.objects.get(recipient=user).emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_sends_nothing():
    user = factories.make_user()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=user, kind="roster_decided", subject="申请已通过")
        raise RuntimeError("the action failed")
    assert Notification.objects.count() == 0
    assert len(mail.outbox) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("channel", "stored", "emailed"),
    [("email", 1, 1), ("site", 1, 0), ("off", 0, 0)],
)
def test_preferences_decide_site_and_email(channel, stored, emailed):
    user = factories.make_user()
    NotificationPreference.objects.create(user=user, kind="waitlist_promoted", channel=channel)
    notify(recipient=user, kind="waitlist_promoted", subject="候补已转正")
    assert Notification.objects.filter(recipient=user).count() == stored
    assert len(mail.outbox) == emailed


@pytest.mark.django_db(transaction=True)
def test_opt_in_kinds_are_off_by_default():
    user = factories.make_user()
    assert notify(recipient=user, kind="survey_opened", subject="新问卷") is None
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_smtp_failure_keeps_the_notification(settings):
    settings.EMAIL_BACKEND = "tests.portal.test_notifications.FailingBackend"
    user = factories.make_user()
    with transaction.atomic():
        notify(recipient=user, kind="roster_decided", subject="申请已通过")
    notification = Notification.objects.get(recipient=user)
    assert notification.emailed_at is None
    assert "SMTP down" in notification.email_error


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


@pytest.mark.django_db
def test_notification_pages(client, resident, home_page):
    notify(recipient=resident, kind="roster_decided", subject="申请已通过", url="/me/")
    other = factories.make_user()
    foreign = notify(recipient=other, kind="roster_decided", subject="别人的消息")
    client.force_login(resident)
    listing = client.get("/me/notifications/").content.decode()
    assert "申请已通过" in listing and "别人的消息" not in listing
    assert '<span class="badge">1</span>' in client.get("/").content.decode()
    mine = resident.notifications.get()
    assert client.get(f"/me/notifications/{mine.pk}/").status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(f"/me/notifications/{foreign.pk}/").status_code == 404
    response = client.post("/me/notifications/settings/", {"roster_decided": "off"})
    assert response.status_code == 302
    assert resident.notification_preferences.get(kind="roster_decided").channel == "off"
