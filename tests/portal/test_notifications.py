"""notify() and notify_many(): one message per event and recipient, preferences respected,
email only after commit, a mail failure never loses the message or breaks the action, and a
batch costs the same number of queries however many people it reaches."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.models import Notification, NotificationPreference, User
from portal.notifications import notify, notify_many
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


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


class UnreachableBackend(BaseEmailBackend):
    """The mail server refuses the connection itself."""

    def open(self):
        raise ConnectionRefusedError("SMTP unreachable")

    def send_messages(self, messages):
        raise AssertionError("no message may be sent without a connection")


class OneBadAddressBackend(BaseEmailBackend):
    """Refuses mail to bad@example.cn, delivers the rest to mail.outbox; counts connections."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return True

    def send_messages(self, messages):
        for message in messages:
            if "bad@example.cn" in message.to:
                raise OSError("mailbox unavailable")
            mail.outbox.append(message)
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_notify_many_follows_each_preference_and_skips_inactive_and_repeats():
    default, site, off, email_pref = (factories.make_user() for _ in range(4))
    inactive = factories.make_user(is_active=False)
    for user, channel in ((site, "site"), (off, "off"), (email_pref, "email")):
        NotificationPreference.objects.create(user=user, kind="case_new", channel=channel)
    # Someone else's preference for another kind changes nothing here.
    NotificationPreference.objects.create(user=default, kind="case_update", channel="off")
    with transaction.atomic():
        stored = notify_many(
            recipients=[default, site, off, inactive, email_pref, default],
            kind="case_new",
            subject="新诉求",
            body="楼道灯不亮",
            url="/admin/cases/1/",
        )
        assert len(mail.outbox) == 0  # nothing leaves before the commit
    assert [n.recipient_id for n in stored] == [default.pk, site.pk, email_pref.pk]
    assert all(n.pk for n in stored)
    rows = Notification.objects.filter(kind="case_new")
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted(
        [default.pk, site.pk, email_pref.pk]
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([default.email, email_pref.email])
    assert mail.outbox[0].subject == "新诉求"
    assert mail.outbox[0].body.startswith("楼道灯不亮\n\nhttp")
    assert mail.outbox[0].body.endswith("/admin/cases/1/")
    emailed = set(rows.filter(emailed_at__isnull=False).values_list("recipient_id", flat=True))
    assert emailed == {default.pk, email_pref.pk}


@pytest.mark.django_db(transaction=True)
def test_notify_many_default_follows_the_kind():
    """An opt-in kind (survey_opened defaults to off) reaches only who chose it."""
    chose, silent = factories.make_user(), factories.make_user()
    NotificationPreference.objects.create(user=chose, kind="survey_opened", channel="site")
    stored = notify_many(recipients=[chose, silent], kind="survey_opened", subject="新问卷")
    assert [n.recipient_id for n in stored] == [chose.pk]
    assert len(mail.outbox) == 0


@pytest.mark.django_db  # the test's transaction holds the callbacks until captured
def test_notify_many_without_email_stores_only(django_capture_on_commit_callbacks):
    people = [factories.make_user() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_many(recipients=people, kind="case_new", subject="新诉求", email=False)
    assert Notification.objects.filter(kind="case_new").count() == 3
    assert callbacks == [] and len(mail.outbox) == 0


@pytest.mark.django_db  # the test's transaction holds the callbacks until captured
def test_notify_many_sends_the_batch_in_one_callback_after_commit(
    django_capture_on_commit_callbacks,
):
    people = [factories.make_user() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_many(recipients=people, kind="case_new", subject="新诉求")
        assert len(mail.outbox) == 0
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


def _queries_for(count: int, *, as_queryset: bool = False) -> int:
    people = [factories.make_user() for _ in range(count)]
    for person in people[::2]:
        NotificationPreference.objects.create(user=person, kind="case_new", channel="site")
    NotificationPreference.objects.create(user=people[1], kind="case_new", channel="off")
    recipients = User.objects.filter(pk__in=[p.pk for p in people]) if as_queryset else people
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        notify_many(recipients=recipients, kind="case_new", subject="新诉求", body="内容")
    told = Notification.objects.filter(recipient__in=people)
    assert told.count() == count - 1 and not told.filter(recipient=people[1]).exists()
    assert len(mail.outbox) == count // 2 - 1
    mail.outbox.clear()
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_notify_many_query_count_does_not_grow_with_recipients():
    few, many = _queries_for(4), _queries_for(20)
    assert few == many
    # Preferences and the insert; after the commit the email task reads the rows not emailed
    # yet, locked (so a task run twice sends once), and sets emailed_at in one update; plus
    # the two transactions' own statements, which some databases log.
    assert many <= 8


@pytest.mark.django_db(transaction=True)
def test_notify_many_reads_a_queryset_with_its_preferences_in_one_query():
    """As many queries as for people already loaded: reading the people is the only read."""
    listed = _queries_for(20)
    few, many = _queries_for(4, as_queryset=True), _queries_for(20, as_queryset=True)
    assert few == many == listed


@pytest.mark.django_db(transaction=True)
def test_one_bad_address_does_not_stop_the_others(settings):
    settings.EMAIL_BACKEND = "tests.portal.test_notifications.OneBadAddressBackend"
    OneBadAddressBackend.opened = 0
    good = factories.make_user()
    bad = factories.make_user(email="bad@example.cn")
    other = factories.make_user()
    with transaction.atomic():
        notify_many(recipients=[good, bad, other], kind="case_new", subject="新诉求")
    assert OneBadAddressBackend.opened == 1  # one mail connection for the batch
    assert sorted(m.to[0] for m in mail.outbox) == sorted([good.email, other.email])
    failed = Notification.objects.get(recipient=bad)
    assert failed.emailed_at is None and "mailbox unavailable" in failed.email_error
    for user in (good, other):
        delivered = Notification.objects.get(recipient=user)
        assert delivered.emailed_at is not None and delivered.email_error == ""


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_mail_server_is_recorded_on_every_row(settings):
    settings.EMAIL_BACKEND = "tests.portal.test_notifications.UnreachableBackend"
    people = [factories.make_user() for _ in range(2)]
    with transaction.atomic():
        stored = notify_many(recipients=people, kind="case_new", subject="新诉求")
    assert len(stored) == 2
    for row in Notification.objects.filter(recipient__in=people):
        assert row.emailed_at is None and "SMTP unreachable" in row.email_error


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
