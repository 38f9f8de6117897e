"""A resident answers a survey on a phone, is thanked, is offered editing on a second visit;
after the survey closes the public results page shows the charts."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import SurveyIndexPage, SurveyPage, SurveyResponse
from tests import factories
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.surveys.conftest import isolate_results_cache
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journey_survey(db, monkeypatch):
    isolate_results_cache(monkeypatch)
    grids = factories.make_geography()
    home = factories.make_home_page()
    index = SurveyIndexPage(title="民意征集", slug="surveys", show_in_menus=True)
    home.add_child(instance=index)
    survey = make_survey(
        index,
        title="老旧楼院整治居民意见征集",
        intro="<p>请为楼院整治内容排序打分。</p>",
        thank_you_text="<p>感谢您的意见！征集结束后将公示统计结果。</p>",
        results_visibility="after_close",
    )
    resident = factories.make_user(home_grid=grids[0], email="resident-e2e@example.cn")
    return survey, resident


def test_resident_answers_edits_and_sees_results(phone_page, journey_survey):
    page = phone_page
    survey, resident = journey_survey
    names = [q.clean_name for q in survey.get_form_fields()]
    login(page, resident.email, factories.PASSWORD)

    page.goto(survey.url)
    expect(page.get_by_role("heading", name="老旧楼院整治居民意见征集")).to_be_visible()
    assert_accessible(page, name="survey page")
    screenshot(page, "surveys-1-form")

    # Submitting without the required answers shows errors and keeps what was typed.
    page.locator(f"textarea[name='{names[3]}']").fill("楼道灯坏了三个月，请尽快修。")
    page.get_by_role("button", name="提交问卷").click()
    expect(page.get_by_text("请回答这个问题。").first).to_be_visible()
    expect(page.locator(f"textarea[name='{names[3]}']")).to_have_value(
        "楼道灯坏了三个月，请尽快修。"
    )

    page.get_by_label("屋面防水").check()
    page.get_by_label("助餐").check()
    page.locator(f"input[name='{names[2]}'][value='4']").check()
    page.get_by_role("button", name="提交问卷").click()
    expect(page.get_by_role("heading", name="感谢参与")).to_be_visible()
    expect(page.get_by_text("感谢您的意见！征集结束后将公示统计结果。")).to_be_visible()
    assert_accessible(page, name="thank-you page")
    screenshot(page, "surveys-2-thank-you")
    assert SurveyResponse.objects.filter(survey=survey).count() == 1

    # A second visit: the earlier submission time and an offer to edit.
    page.goto(survey.url)
    expect(page.get_by_text("提交过这份问卷")).to_be_visible()
    assert_accessible(page, name="already answered page")
    screenshot(page, "surveys-3-already-answered")
    page.get_by_role("link", name="修改答案").click()
    expect(page.get_by_label("屋面防水")).to_be_checked()
    page.locator(f"input[name='{names[2]}'][value='2']").check()
    page.get_by_role("button", name="保存修改").click()
    expect(page.get_by_role("heading", name="答案已修改")).to_be_visible()
    assert SurveyResponse.objects.filter(survey=survey).count() == 1

    # After the close the results are public: a visitor sees the charts with numbers as text.
    now = timezone.now()
    SurveyPage.objects.filter(pk=survey.pk).update(
        opens_at=now - datetime.timedelta(days=10), closes_at=now - datetime.timedelta(minutes=1)
    )
    page.context.clear_cookies()
    page.goto(f"/survey/{survey.pk}/results/")
    expect(page.get_by_role("heading", name="老旧楼院整治居民意见征集：结果")).to_be_visible()
    expect(page.get_by_text("共 1 份答卷")).to_be_visible()
    expect(page.locator(".survey-bars").nth(2)).to_be_visible()  # a chart for each of 3+
    expect(page.get_by_text("平均分：2.0")).to_be_visible()
    expect(page.get_by_text("1 人，100.0%").first).to_be_visible()
    assert_accessible(page, name="results page")
    screenshot(page, "surveys-4-results")
