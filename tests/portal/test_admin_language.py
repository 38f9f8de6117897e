"""The Wagtail admin as Chinese staff see it: all in Chinese, nothing fetched from or linking
to sites that closed networks and mainland China cannot reach (Gravatar, wagtail.org)."""

import ast
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.utils.translation import trans_real
from wagtail.models import Page, Site
from wagtail.users.models import UserProfile

from projects.models import Category
from tests.factories import PASSWORD, make_community_staff, make_user

pytestmark = pytest.mark.django_db

# What a Chinese member of staff saw in English before (issue 10, item 5).
ENGLISH_SEEN = [
    "Search all pages",
    "Autosave is paused",
    "Date updated",
    "Edited by",
    "Page type",
    "Exploring",
    "new items in this menu",
    "editor guide",
    "Editor Guide",
    "What's new",
    "Things in Wagtail",
    "Pages <span",
    " of 1 ",
]
# Visible words that are names, not English sentences.
NOT_ENGLISH = {"Wagtail", "API", "URL"}
WORD = re.compile(r"[A-Za-z][A-Za-z']{2,}")
EXTERNAL_URL = re.compile(
    r"""(?:href|src|srcset|action|poster|data-[\w-]*url[\w-]*)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""(?!testserver[/:"'])([^/"'\s>]+)""",
    re.IGNORECASE,
)


def wagtail_msgids(domain: str):
    """(msgctxt, msgid, msgid_plural) of every string in the Wagtail apps this site installs,
    read from Wagtail's source catalogues (locale/en)."""
    for app in apps.get_app_configs():
        if not app.name.startswith("wagtail"):
            continue
        po = Path(app.path) / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        if po.exists():
            yield from _read_po(po.read_text(encoding="utf-8"))


def _read_po(text: str):
    entry, field = {}, None
    for line in [*text.splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if entry.get("msgid"):
                yield entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural")
            if not line:
                entry, field = {}, None
            continue
        if line.startswith('"'):
            entry[field] += ast.literal_eval(line)
            continue
        field, _, value = line.partition(" ")
        entry[field] = ast.literal_eval(value)


def test_every_wagtail_admin_string_has_a_chinese_translation():
    """Wagtail 8.0's own zh_Hans catalogue misses strings; locale/zh_Hans supplies them. After
    a Wagtail upgrade this lists what is new and untranslated."""
    catalog = trans_real.translation("zh-hans")._catalog
    missing = []
    for context, msgid, plural in wagtail_msgids("django"):
        key = f"{context}\x04{msgid}" if context else msgid
        if (key, 0) not in catalog if plural else key not in catalog:
            missing.append(msgid)
    assert not missing, f"{len(missing)} Wagtail strings without Chinese: {missing[:20]}"


def _admin_client(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def _data_words() -> set[str]:
    """Words of the content itself (page titles, slugs, host names), not of the admin."""
    values = [
        *Page.objects.values_list("title", flat=True),
        *Site.objects.values_list("hostname", flat=True),
        *Category.objects.values_list("slug", flat=True),
    ]
    return {word for value in values for word in WORD.findall(value)}


def _visible_english(html: str) -> set[str]:
    """English words a person sees or hears: text, placeholders, labels, tooltips."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template", "svg", "noscript"]):
        tag.decompose()
    for tag in soup.find_all(attrs={"hidden": True}):
        tag.decompose()
    texts = list(soup.stripped_strings)
    for attribute in ("placeholder", "aria-label", "title", "alt"):
        texts += [tag[attribute] for tag in soup.find_all(attrs={attribute: True})]
    ignored = NOT_ENGLISH | _data_words()
    words = set()
    for text in texts:
        text = re.sub(r"\S+@\S+|\S*https?://\S*", "", text)  # e-mail addresses, example URLs
        words.update(word for word in WORD.findall(text) if word not in ignored)
    return words


def _assert_chinese_and_local(html: str, page: str) -> None:
    found = [s for s in ENGLISH_SEEN if s in html]
    assert not found, f"English on {page}: {found}"
    english = _visible_english(html)
    assert not english, f"English words shown on {page}: {sorted(english)}"
    assert "gravatar" not in html.lower(), page
    assert "wagtail.org" not in html, page
    external = sorted(set(EXTERNAL_URL.findall(html)))
    assert not external, f"{page} links to or loads from {external}"


@pytest.fixture
def district_admin_user(db):
    return make_user(is_superuser=True, is_staff=True, display_name="区级管理员")


@pytest.fixture
def a_page(home_page):
    return home_page


def test_dashboard_explorer_editor_and_snippets_are_all_chinese(
    client, district_admin_user, a_page
):
    assert Category.objects.exists()  # seeded by a migration
    _admin_client(client, district_admin_user)
    pages = {
        "dashboard": "/admin/",
        "explorer (root)": "/admin/pages/",
        "explorer": f"/admin/pages/{a_page.pk}/",
        "page editor": f"/admin/pages/{a_page.pk}/edit/",
        "snippet listing": "/admin/snippets/projects/category/",
        "account": "/admin/account/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert response.headers["Content-Language"] == "zh-hans" or name
        html = response.content.decode()
        assert '<html lang="zh-hans"' in html, name
        _assert_chinese_and_local(html, name)

    dashboard = client.get("/admin/").content.decode()
    assert "搜索所有页面…" in dashboard
    explorer = client.get("/admin/pages/").content.decode()
    assert "正在浏览" in explorer
    assert re.search(r"共 (\d+) 个页面，第 1-\1 个", explorer)  # was "1-2 of 2 页面"
    editor = client.get(f"/admin/pages/{a_page.pk}/edit/").content.decode()
    assert "自动保存已暂停" in editor


def test_community_staff_dashboard_is_chinese_without_gravatar(client, grids, home_page):
    staff = make_community_staff(grids[0].community, display_name="华阳路社区 张敏")
    html = _admin_client(client, staff).get("/admin/").content.decode()
    assert "华阳路社区 张敏" in html
    _assert_chinese_and_local(html, "staff dashboard")
    # The avatar is Wagtail's own default picture, served by the site.
    assert "/static/wagtailadmin/images/default-user-avatar" in html


def test_help_menu_keeps_only_what_stays_on_the_site(client, district_admin_user, home_page):
    html = _admin_client(client, district_admin_user).get("/admin/").content.decode()
    sidebar = BeautifulSoup(html, "html.parser").find(id="wagtail-sidebar-props")
    props = json.dumps(json.loads(sidebar.string), ensure_ascii=False)
    assert '"label": "快捷键"' in props  # the help menu is still there, with its shortcuts
    assert "guide.wagtail" not in props and "whats-new" not in props
    assert "editor-guide" not in props


def test_admin_javascript_catalogue_is_chinese(client, district_admin_user):
    """The JS-rendered parts (sidebar badges, autosave, content checks) use Wagtail's
    djangojs catalogue, which the admin serves at /admin/jsi18n/."""
    body = _admin_client(client, district_admin_user).get("/admin/jsi18n/").content.decode()
    missing = [
        msgid
        for context, msgid, _plural in wagtail_msgids("djangojs")
        if json.dumps(f"{context}\x04{msgid}" if context else msgid) + ":" not in body
    ]
    assert not missing, f"Admin JavaScript strings without Chinese: {missing}"
    assert json.dumps("（此菜单中有 %(number)s 个新项目）") in body


def test_admin_follows_the_persons_language_preference(client, district_admin_user, home_page):
    """Chinese by default; a person who chose English in their Wagtail account gets it."""
    _admin_client(client, district_admin_user)
    assert "搜索所有页面…" in client.get("/admin/").content.decode()

    profile = UserProfile.get_for_user(district_admin_user)
    profile.preferred_language = "en"
    profile.save()
    html = client.get("/admin/").content.decode()
    assert '<html lang="en"' in html and "Search all pages…" in html


def test_the_admin_offers_only_the_sites_languages(client, district_admin_user):
    html = _admin_client(client, district_admin_user).get("/admin/account/").content.decode()
    soup = BeautifulSoup(html, "html.parser")
    select = soup.find("select", attrs={"name": "locale-preferred_language"})
    assert select is not None
    values = {option["value"] for option in select.find_all("option")}
    assert values == {"", "zh-hans", "en"}
