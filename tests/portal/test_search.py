"""Chinese words are found inside longer text, on SQLite and PostgreSQL alike, through the
site search, Page.search() and the Wagtail admin (which uses autocomplete and query objects)."""

import pytest
from modelsearch.query import And, Phrase, PlainText
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from portal.models import NewsIndexPage, NewsPage
from portal.search import cjk_bigrams, cjk_query


def test_bigrams_split_chinese_runs_and_keep_other_words():
    assert cjk_bigrams("社区养老服务") == "社区 区养 养老 老服 服务"
    assert cjk_bigrams("市北 Qingdao 网格2024") == "市北 Qingdao 网格 2024"
    assert cjk_bigrams("老") == "老"
    assert cjk_bigrams("") == ""
    # Punctuation separates words, as the databases' tokenizers do.
    assert cjk_bigrams("测试2000-0社区") == "测试 2000 0 社区"
    assert cjk_bigrams("华阳路社区（东区）") == "华阳 阳路 路社 社区 东区"


def test_query_rewriting_keeps_structure():
    rewritten = cjk_query("养老服务")
    assert isinstance(rewritten, PlainText)
    assert rewritten.query_string == "养老 老服 服务"
    assert rewritten.operator == "and"
    assert cjk_query("elderly") == "elderly"
    combined = cjk_query(And([PlainText("养老服务"), Phrase("网格巡查")]))
    assert isinstance(combined, And)
    assert combined.subqueries[0].query_string == "养老 老服 服务"
    assert combined.subqueries[1].query_string == "网格 格巡 巡查"


@pytest.fixture
def news(home_page):
    index = home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news"))
    items = {}
    for slug, title, summary in [
        ("elderly", "社区养老服务项目开始招募", "为独居老人提供助餐和陪伴。"),
        ("patrol", "网格员徒步巡查", "巡查楼院，发现问题及时上报。"),
        ("body-only", "暑期活动", "青少年在社区参加居家养老志愿活动。"),
    ]:
        items[slug] = index.add_child(instance=NewsPage(title=title, slug=slug, summary=summary))
    return items


def _titles(results):
    return {page.title for page in results}


def test_page_search_finds_a_word_inside_a_title(news):
    results = Page.objects.live().search("养老")
    assert _titles(results) == {"社区养老服务项目开始招募", "暑期活动"}


def test_page_search_requires_all_pieces_of_a_longer_word(news):
    assert _titles(Page.objects.live().search("养老服务")) == {"社区养老服务项目开始招募"}
    assert _titles(Page.objects.live().search("徒步巡查")) == {"网格员徒步巡查"}
    assert _titles(Page.objects.live().search("养狗")) == set()


def test_page_search_finds_a_title_with_digits_and_punctuation(home_page):
    index = home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news"))
    index.add_child(instance=NewsPage(title="第3-2网格巡查（夜间）", slug="night"))
    index.add_child(instance=NewsPage(title="第3网格巡查", slug="day"))
    assert _titles(Page.objects.live().search("3-2网格")) == {"第3-2网格巡查（夜间）"}
    assert _titles(Page.objects.live().search("巡查（夜间）")) == {"第3-2网格巡查（夜间）"}


def test_site_search_page_lists_results(client, news):
    response = client.get("/search/", {"q": "养老"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "社区养老服务项目开始招募" in html
    assert "网格员徒步巡查" not in html


def test_site_search_without_results_says_so(client, news):
    response = client.get("/search/", {"q": "不存在的词语"})
    assert "没有找到" in response.content.decode()


def test_site_search_paginates(client, home_page):
    index = home_page.add_child(instance=NewsIndexPage(title="新闻公告", slug="news"))
    for n in range(23):
        index.add_child(instance=NewsPage(title=f"社区养老第{n}期", slug=f"n{n}"))
    first = client.get("/search/", {"q": "养老"}).content.decode()
    third = client.get("/search/", {"q": "养老", "page": 3}).content.decode()
    assert "共找到 23 条结果" in first
    assert "第 3 页，共 3 页" in third
    # An out-of-range page shows the last page rather than an error.
    assert client.get("/search/", {"q": "养老", "page": 99}).status_code == 200


def test_admin_page_search_finds_chinese_inside_titles(client, district_admin, news):
    district_admin.is_superuser = True
    district_admin.save()
    client.force_login(district_admin)
    response = client.get("/admin/pages/search/", {"q": "养老"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "社区养老服务项目开始招募" in html
    assert "网格员徒步巡查" not in html


def test_admin_autocomplete_finds_a_single_character_prefix(news):
    results = NewsPage.objects.autocomplete("巡")
    assert _titles(results) == {"网格员徒步巡查"}


def test_image_library_search_finds_chinese(db):
    Image = get_image_model()
    Image.objects.create(title="社区养老服务站外景", file=get_test_image_file())
    Image.objects.create(title="网格巡查", file=get_test_image_file())
    assert {i.title for i in Image.objects.search("养老")} == {"社区养老服务站外景"}
