"""The volunteers journey expected "累计服务 2.00 小时" and SQLite said "2 小时": a sum of a
DecimalField comes back as a different type on each database. Every page formats hours
through the `hours` filter, so the text is the same on both."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from volunteers.models import ServiceRecord


@pytest.mark.django_db
def test_record_and_account_pages_show_two_decimals(client, grid, volunteer):
    ServiceRecord.objects.create(
        user=volunteer,
        item="徒步巡查",
        served_on=date(2026, 11, 4),
        hours=Decimal("2"),
        issuer="测试网格",
        grid=grid,
    )
    client.force_login(volunteer)
    record = client.get(reverse("volunteers:my_record")).content.decode()
    assert "累计服务 2.00 小时" in record
    account = client.get(reverse("account_home")).content.decode()
    assert "累计服务 2.00 小时" in account
