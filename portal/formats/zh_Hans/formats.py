"""How a date is shown to a person reading Chinese: the site's formats as they always were.

Django's own zh_Hans formats are kept except MONTH_DAY_FORMAT (Django pads the month,
"01月8日"); MONTH_DAY_TIME_FORMAT is the project's own name (see portal.formats).
"""

DATE_FORMAT = "Y年n月j日"  # 2026年12月8日
TIME_FORMAT = "H:i"  # 18:00
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年12月8日 18:00
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年12月
MONTH_DAY_FORMAT = "n月j日"  # 12月8日
MONTH_DAY_TIME_FORMAT = "n月j日 H:i"  # 12月8日 18:00
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
