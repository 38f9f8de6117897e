"""How a date is shown to a person reading English: day, short month, year, 24-hour time.

One style everywhere ("8 Dec 2026", "8 Dec 18:00", "8 Dec 2026, 18:00"), as the district's
English readers see it beside the Chinese pages; MONTH_DAY_TIME_FORMAT is the project's own
name (see portal.formats).
"""

DATE_FORMAT = "j M Y"  # 8 Dec 2026
TIME_FORMAT = "H:i"  # 18:00
DATETIME_FORMAT = "j M Y, H:i"  # 8 Dec 2026, 18:00
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j M"  # 8 Dec
MONTH_DAY_TIME_FORMAT = "j M H:i"  # 8 Dec 18:00
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
