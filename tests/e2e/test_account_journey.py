"""A resident with history opens 我的, reads a notification, downloads their data and
deletes the account; every account page passes axe-core."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from portal.models import User
from portal.notifications import notify
from tests import factories
from tests.e2e.conftest import assert_accessible, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_account_home_notification_download_and_deletion(page):
    factories.make_home_page()
    grids = factories.make_geography()
    resident = factories.make_user(
        email="history@example.cn", display_name="王秀兰", home_grid=grids[0], mobile="13912345678"
    )
    notify(
        recipient=resident,
        kind="roster_decided",
        subject="您加入网格志愿者的申请已通过",
        body="欢迎加入第1网格志愿者队伍。",
        url="/me/",
    )
    notify(recipient=resident, kind="waitlist_promoted", subject="候补已转为正式报名")

    login(page, "history@example.cn", factories.PASSWORD)
    page.goto("/me/")
    expect(page.get_by_role("heading", name="我的", exact=True)).to_be_visible()
    expect(page.get_by_text("139****5678")).to_be_visible()
    assert_accessible(page, name="account home")
    screenshot(page, "account-home")

    page.get_by_role("link", name="站内消息").first.click()
    expect(page).to_have_url(re.compile(r"/me/notifications/$"))
    expect(page.get_by_role("link", name="您加入网格志愿者的申请已通过")).to_be_visible()
    assert_accessible(page, name="notifications")
    page.get_by_role("link", name="您加入网格志愿者的申请已通过").click()
    expect(page.get_by_text("欢迎加入第1网格志愿者队伍。")).to_be_visible()
    assert_accessible(page, name="notification")
    page.goto("/me/notifications/settings/")
    assert_accessible(page, name="notification settings")
    screenshot(page, "account-notification-settings")

    page.goto("/me/data/")
    assert_accessible(page, name="data download")
    # The ZIP is written by a task (at once with the immediate backend of the test server);
    # the page then offers its download.
    page.get_by_role("button", name="生成 ZIP 文件").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载文件").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert "profile.json" in archive.namelist()
    assert "history@example.cn" in archive.read("profile.json").decode()

    page.goto("/me/delete/")
    assert_accessible(page, name="delete account")
    page.get_by_label("当前密码").fill(factories.PASSWORD)
    page.get_by_label("我了解注销后无法恢复，个人信息将被删除").check()
    screenshot(page, "account-delete")
    page.get_by_role("button", name="确认注销").click()
    expect(page.get_by_text("您的账号已注销")).to_be_visible()
    assert not User.objects.filter(email="history@example.cn").exists()
    login(page, "history@example.cn", factories.PASSWORD, succeeds=False)
