"""What a person meets on every page: the icon, language names, the current page in the
navigation, the home-grid call to action, Chinese punctuation, and the data download in the
person's language with local times."""

import datetime
import json
import re

import pytest

from portal.models import User
from portal.personal_data import local_times
from projects.demo import project_title
from tests import factories
from tests.portal.data_download import download_archive

pytestmark = pytest.mark.django_db


def test_favicon_redirects_to_the_static_icon(client, home_page):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith("/static/") and "favicon" in response["Location"]
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page


def test_footer_names_each_language_in_its_own_language(client, home_page):
    # The switcher links to the other language's URL, named in that language.
    page = client.get("/").content.decode()
    assert 'href="/en/" lang="en" hreflang="en">English</a>' in page
    assert "英语" not in page
    page = client.get("/en/").content.decode()
    assert 'href="/" lang="zh-hans" hreflang="zh-hans">简体中文</a>' in page


def test_account_link_is_marked_as_the_current_page(client, home_page, resident):
    client.force_login(resident)
    page = client.get("/me/").content.decode()
    assert re.search(r'<a href="/me/" aria-current="page">我的', page)
    assert not re.search(r'<a href="/me/" aria-current', client.get("/").content.decode())


def test_newcomer_without_a_grid_gets_a_button_to_set_it(client, home_page, grids):
    newcomer = factories.make_user()
    client.force_login(newcomer)
    for url in ("/me/", "/volunteers/", "/volunteers/join/"):
        page = client.get(url).content.decode()
        assert "您还没有设置所在网格。" in page, url
        assert 'class="button button--primary" href="/me/profile/">设置所在网格' in page, url
    newcomer.home_grid = grids[0]
    newcomer.save()
    page = client.get("/me/").content.decode()
    assert "您还没有设置所在网格。" not in page
    assert '<span class="place-name">第1网格</span>' in page


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/"])
def test_entrance_pages_use_chinese_punctuation(client, home_page, url):
    text = re.sub(r"<[^>]+>", "", client.get(url).content.decode())
    assert not re.search(r"[\u4e00-\u9fff]\s*[.,!?;:](\s|$)", text)
    assert not re.search(r"\s[。，！？]", text)


def test_already_logged_in_note_uses_chinese_punctuation(client, home_page, resident):
    client.force_login(resident)
    text = re.sub(r"<[^>]+>", "", client.get("/accounts/password/reset/").content.decode())
    assert "注意：您已经以" in text
    assert not re.search(r"[\u4e00-\u9fff]\s*[.,!?;:](\s|$)", text)


def test_local_times_use_shanghai_with_the_offset():
    moment = datetime.datetime(2026, 12, 1, 17, 30, tzinfo=datetime.UTC)
    rows = local_times([{"given_at": moment, "nested": {"at": [moment]}, "n": 1}])
    assert rows[0]["given_at"] == "2026-12-02T01:30:00+08:00"
    assert rows[0]["nested"]["at"] == ["2026-12-02T01:30:00+08:00"]
    assert rows[0]["n"] == 1


def test_data_download_has_local_times_and_a_readme_in_the_persons_language(
    client, home_page, resident, django_capture_on_commit_callbacks
):
    consent = datetime.datetime(2026, 12, 1, 17, 30, tzinfo=datetime.UTC)
    User.objects.filter(pk=resident.pk).update(privacy_consent_at=consent)
    client.force_login(resident)
    archive = download_archive(client, django_capture_on_commit_callbacks)
    consents = json.loads(archive.read("consents.json"))
    assert consents[0]["given_at"] == "2026-12-02T01:30:00+08:00"
    assert "2026-12-02T01:30:00+08:00" in archive.read("consents.csv").decode("utf-8-sig")
    profile = json.loads(archive.read("profile.json"))
    assert profile[0]["date_joined"].endswith("+08:00")
    readme = archive.read("README.txt").decode()
    assert "本人数据副本" in readme and "北京时间" in readme and "profile.json" in readme
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", readme)


def test_demo_project_titles_do_not_double_community():
    assert project_title("河西路社区", "社区长者食堂助餐") == "河西路社区长者食堂助餐"
    assert project_title("河西路社区", "四点半课堂") == "河西路社区四点半课堂"
