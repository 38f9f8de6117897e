"""Browser journeys for what made people stumble (issue 10): a newcomer led to set their home
grid, primary buttons that look primary, a search button on one line, cancelling a sign-up
with a confirmation step, no .ics for a waitlisted place, the 其他 box only when 其他 is
chosen, and staff pages that say what their exports cover. Each runs on a desktop and on a
390 px phone; axe-core finds no moderate, serious or critical violation on any page visited."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys import services as survey_services
from surveys.models import SurveyIndexPage
from tests import factories
from tests.e2e.conftest import PHONE, login, screenshot
from tests.surveys.conftest import isolate_results_cache
from tests.surveys.factories import answers_for, make_survey
from volunteers.models import RosterMembership, Shift, SignUp

pytestmark = pytest.mark.django_db(transaction=True)

PRIMARY = "rgb(161, 37, 27)"  # --color-primary: the key action of every form
WHITE = "rgb(255, 255, 255)"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}


@pytest.fixture(params=list(VIEWPORTS))
def any_page(request, browser, live_server):
    """A fresh browser page on a desktop and, in a second run, on a 390 px phone."""
    phone = request.param == "phone"
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=VIEWPORTS[request.param],
        is_mobile=phone,
        has_touch=phone,
    )
    # A first page of a fresh live server on a busy machine may take longer than 15 s.
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def assert_no_violations(page, *, name: str) -> None:
    """axe-core finds no moderate, serious or critical violation on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        v
        for v in results.response["violations"]
        if v.get("impact") in ("moderate", "serious", "critical")
    ]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(n["target"][0]) if n.get("target") else "?" for n in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"axe-core violations on {name} ({page.url}):\n{details}"


def expect_primary(button) -> None:
    """The key action is filled with the brand colour (not an outlined secondary button)."""
    expect(button).to_be_visible()
    expect(button).to_have_css("background-color", PRIMARY)
    expect(button).to_have_css("color", WHITE)


def shot(page, name: str) -> None:
    screenshot(page, f"ux-{name}-{page.viewport_name}")


def test_newcomer_signs_up_and_is_led_to_set_home_grid(any_page):
    page = any_page
    factories.make_home_page()
    grid = factories.make_geography(streets=1, communities=1, grids=2)[1]
    community = grid.community

    page.goto("/accounts/signup/")
    assert_no_violations(page, name="sign-up")
    expect(page.get_by_text("已经有账号了？请登录。")).to_be_visible()
    signup = page.locator("main form").get_by_role("button", name="注册")
    expect_primary(signup)
    page.get_by_label("电子邮件").fill(f"newcomer-{page.viewport_name}@example.cn")
    page.get_by_label("显示名称").fill("新居民李华")
    page.get_by_label(re.compile(r"^密码\s*\*?$")).fill("a-long-pass-phrase-2026")
    page.get_by_label("密码（重复）").fill("a-long-pass-phrase-2026")
    page.get_by_label("我已阅读并同意《隐私政策》").check()
    signup.click()

    # 我的 leads straight to the home grid instead of a bare "未设置".
    expect(page.get_by_role("heading", name="我的", exact=True)).to_be_visible()
    expect(page.get_by_text("您还没有设置所在网格。")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的")
    ).to_have_attribute("aria-current", "page")
    assert_no_violations(page, name="我的 without a grid")
    shot(page, "me-no-grid")
    set_grid = page.get_by_role("link", name="设置所在网格")
    expect_primary(set_grid)
    set_grid.click()

    expect(page.get_by_role("heading", name="修改资料")).to_be_visible()
    assert_no_violations(page, name="profile")
    page.get_by_label("街道", exact=True).select_option(label=community.street.name)
    page.get_by_label("社区", exact=True).select_option(label=community.name)
    page.get_by_label("网格", exact=True).select_option(label=grid.name)
    save = page.get_by_role("button", name="保存")
    expect_primary(save)
    save.click()

    expect(page.get_by_text("个人资料已保存。")).to_be_visible()
    expect(page.get_by_text("您还没有设置所在网格。")).to_have_count(0)
    grid_name = page.locator(".details .place-name", has_text=grid.name)
    expect(grid_name).to_be_visible()
    # "第2网格" stays on one line: the box is no taller than one line of text.
    box = grid_name.bounding_box()
    assert box is not None and box["height"] < 40, box
    shot(page, "me-with-grid")


def test_search_button_stays_on_one_line_and_forms_lead_with_primary(any_page):
    page = any_page
    factories.make_home_page()
    page.goto("/search/?q=养老")
    button = page.locator("main").get_by_role("button", name="搜索")
    expect_primary(button)
    field = page.locator("main").get_by_label("关键词")
    expect(field).to_have_value("养老")
    button_box, field_box = button.bounding_box(), field.bounding_box()
    # One line of text: the button is as tall as the field, not "搜/索" on two lines.
    assert button_box["height"] <= field_box["height"] + 2, (button_box, field_box)
    assert button_box["width"] >= 2 * 14, button_box
    assert_no_violations(page, name="search")
    shot(page, "search")

    page.goto("/accounts/login/")
    expect(page.get_by_text("还没有账号？请先注册。")).to_be_visible()
    expect_primary(page.locator("main form").get_by_role("button", name="登录"))
    assert_no_violations(page, name="login")

    # The footer links to the same page in the other language (its URL prefix, no cookie),
    # named in that language.
    switcher = page.get_by_role("navigation", name="语言 / Language")
    switcher.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".language-switcher").get_by_role("link", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert not any(c["name"] == "django_language" for c in page.context.cookies())

    response = page.request.get("/favicon.ico")
    assert response.ok and response.headers["content-type"].startswith("image/")


def _full_shift_with_waitlist():
    factories.make_home_page()
    grid = factories.make_geography(streets=1, communities=1, grids=1)[0]
    confirmed = factories.make_user(email="first@example.cn", display_name="张先到", home_grid=grid)
    waiting = factories.make_user(email="second@example.cn", display_name="李候补", home_grid=grid)
    for user in (confirmed, waiting):
        RosterMembership.objects.create(user=user, grid=grid, role="volunteer", status="active")
    start = timezone.now() + timedelta(days=2)
    shift = Shift.objects.create(
        grid=grid,
        title="徒步巡查：楼道堆物",
        place="小区东门集合",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        signup_deadline=start,
        capacity=1,
        members_only=True,
    )
    SignUp.objects.create(shift=shift, user=confirmed, status=SignUp.Status.CONFIRMED)
    SignUp.objects.create(shift=shift, user=waiting, status=SignUp.Status.WAITLISTED)
    return shift, confirmed, waiting


def test_cancelling_a_full_shift_asks_first_and_waitlist_gets_no_calendar(any_page):
    page = any_page
    shift, confirmed, waiting = _full_shift_with_waitlist()

    # The waitlisted person sees their place in line, and no calendar file for it.
    login(page, waiting.email, factories.PASSWORD)
    page.goto(f"/volunteers/shifts/{shift.pk}/")
    expect(page.get_by_text("候补第 1 位")).to_be_visible()
    expect(page.get_by_role("link", name="加入日历（.ics）")).to_have_count(0)
    assert_no_violations(page, name="shift page, waitlisted")
    page.context.clear_cookies()

    # The confirmed person may add it to a calendar; cancelling asks first.
    login(page, confirmed.email, factories.PASSWORD)
    page.goto(f"/volunteers/shifts/{shift.pk}/")
    expect(page.get_by_text("您已确认报名")).to_be_visible()
    expect(page.get_by_role("link", name="加入日历（.ics）")).to_be_visible()
    page.get_by_role("link", name="取消报名").click()
    expect(page.get_by_role("heading", name="确认取消报名？")).to_be_visible()
    expect(page.get_by_text("您的名额会立即让给候补名单上的下一位")).to_be_visible()
    assert_no_violations(page, name="cancel confirmation")
    shot(page, "cancel-confirm")

    # Changing one's mind keeps the place.
    page.get_by_role("link", name="保留报名").click()
    expect(page.get_by_text("您已确认报名")).to_be_visible()
    assert SignUp.objects.get(user=confirmed).status == SignUp.Status.CONFIRMED

    page.get_by_role("link", name="取消报名").click()
    page.get_by_role("button", name="确认取消报名").click()
    expect(page.get_by_text("已取消报名。")).to_be_visible()
    assert SignUp.objects.get(user=confirmed).status == SignUp.Status.CANCELLED
    assert SignUp.objects.get(user=waiting).status == SignUp.Status.CONFIRMED
    sign_up_again = page.get_by_role("button", name="候补报名")
    expect_primary(sign_up_again)


@pytest.fixture
def choice_survey(db, monkeypatch):
    isolate_results_cache(monkeypatch)
    grids = factories.make_geography()
    home = factories.make_home_page()
    index = SurveyIndexPage(title="民意征集", slug="surveys", show_in_menus=True)
    home.add_child(instance=index)
    survey = make_survey(index, title="老旧楼院整治居民意见征集")
    resident = factories.make_user(home_grid=grids[0])
    return survey, resident, grids


def test_other_box_shows_only_when_other_is_chosen(any_page, choice_survey):
    page = any_page
    survey, resident, _grids = choice_survey
    login(page, resident.email, factories.PASSWORD)
    page.goto(survey.url)
    other_box = page.get_by_label("“您最希望先整治哪一项”的其他内容")
    expect(page.get_by_role("radio", name="楼道照明")).to_be_visible()
    expect(other_box).to_be_hidden()
    assert_no_violations(page, name="survey form")
    shot(page, "survey-form")

    page.get_by_role("radio", name="其他").check()
    expect(other_box).to_be_visible()
    page.get_by_role("radio", name="停车秩序").check()
    expect(other_box).to_be_hidden()
    page.get_by_role("radio", name="其他").check()
    other_box.fill("楼前排水沟堵塞")
    rating = survey.get_form_fields()[2].clean_name
    page.locator(f"input[name='{rating}'][value='4']").check()
    submit = page.get_by_role("button", name="提交问卷")
    expect_primary(submit)
    submit.click()
    expect(page.get_by_role("heading", name="感谢参与")).to_be_visible()
    assert_no_violations(page, name="thank-you")


def test_other_box_stays_visible_without_javascript(browser, live_server, choice_survey):
    survey, resident, _grids = choice_survey
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    login_without_js(page, resident.email)
    page.goto(survey.url)
    expect(page.get_by_label("“您最希望先整治哪一项”的其他内容")).to_be_visible()
    context.close()


def login_without_js(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("电子邮件").fill(email)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.locator("main form").get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的", exact=True)).to_be_visible()


def test_staff_results_page_says_what_the_export_covers(any_page, choice_survey):
    page = any_page
    survey, _resident, grids = choice_survey
    mine, other = grids[0].community, grids[-1].community
    for _n in range(3):
        survey_services.survey_submit(
            survey=survey,
            user=factories.make_user(home_grid=grids[0]),
            data=answers_for(survey),
        )
    for _n in range(5):
        survey_services.survey_submit(
            survey=survey,
            user=factories.make_user(home_grid=grids[-1]),
            data=answers_for(survey),
        )
    assert mine != other
    staff = factories.make_community_staff(mine, email=f"staff-{page.viewport_name}@example.cn")

    login(page, staff.email, factories.PASSWORD)
    page.goto(f"/survey/{survey.pk}/results/")
    expect(page.get_by_text("共 8 份答卷")).to_be_visible()
    expect(page.get_by_text(f"本导出仅含您负责的社区：{mine.name}（3 份）。")).to_be_visible()
    expect(page.get_by_text("统计结果按全部社区的答卷计算（8 份）")).to_be_visible()
    expect_primary(page.get_by_role("button", name="筛选"))
    assert_no_violations(page, name="survey results (staff)")
    shot(page, "survey-results-staff")

    with page.expect_download() as download:
        page.get_by_role("link", name="答卷 CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert len(rows) - 1 == 3  # header + exactly the rows the sentence announced
