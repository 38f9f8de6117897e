"""How dates are shown to people: the named formats per language and the date_as filter."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from portal.formats import date_shown, format_named

# 10:00 UTC is 18:00 in Asia/Shanghai.
MOMENT = datetime.datetime(2026, 12, 8, 10, 0, tzinfo=datetime.UTC)

CHINESE_DIGIT_DATE = re.compile(r"\d\s*[年月日]")


def english_dates_are_clean(html: str) -> bool:
    """No 2026年, 12月 or 8日 in a page read in English."""
    return not CHINESE_DIGIT_DATE.search(html)


@pytest.mark.parametrize(
    ("name", "chinese", "english"),
    [
        ("DATE_FORMAT", "2026年12月8日", "8 Dec 2026"),
        ("DATETIME_FORMAT", "2026年12月8日 18:00", "8 Dec 2026, 18:00"),
        ("MONTH_DAY_FORMAT", "12月8日", "8 Dec"),
        ("MONTH_DAY_TIME_FORMAT", "12月8日 18:00", "8 Dec 18:00"),
        ("TIME_FORMAT", "18:00", "18:00"),
    ],
)
def test_named_formats_read_in_each_language_in_local_time(name, chinese, english):
    with translation.override("zh-hans"):
        assert date_shown(MOMENT, name) == chinese
    with translation.override("en"):
        assert date_shown(MOMENT, name) == english
    assert date_shown(MOMENT, name, lang="en") == english


def test_month_day_is_not_padded_in_chinese():
    assert date_shown(datetime.date(2026, 1, 5), "MONTH_DAY_FORMAT", lang="zh-hans") == "1月5日"


def test_a_language_without_its_own_module_reads_the_site_language():
    assert format_named("MONTH_DAY_TIME_FORMAT", lang="fr") == "n月j日 H:i"


def test_empty_values_show_nothing():
    assert date_shown(None, "DATETIME_FORMAT") == ""


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "12月8日 18:00 截止"), ("en", "8 Dec 18:00")]
)
def test_date_as_filter_uses_the_active_language(language, expected):
    template = Template(
        '{% load portal_tags %}{{ at|date_as:"MONTH_DAY_TIME_FORMAT" }}'
        "{% if lang == 'zh-hans' %} 截止{% endif %}"
    )
    with translation.override(language):
        assert template.render(Context({"at": MOMENT, "lang": language})) == expected


def test_date_as_filter_takes_django_names_and_dates():
    template = Template('{% load portal_tags %}{{ day|date_as:"DATE_FORMAT" }}')
    with translation.override("en"):
        assert template.render(Context({"day": datetime.date(2026, 10, 21)})) == "21 Oct 2026"
    with translation.override("zh-hans"):
        assert template.render(Context({"day": datetime.date(2026, 10, 21)})) == "2026年10月21日"


def test_django_date_filter_reads_the_project_formats():
    template = Template('{{ at|date:"DATETIME_FORMAT" }}')
    with translation.override("en"):
        assert template.render(Context({"at": MOMENT})) == "8 Dec 2026, 18:00"
    with translation.override("zh-hans"):
        assert template.render(Context({"at": MOMENT})) == "2026年12月8日 18:00"
