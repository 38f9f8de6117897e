"""Public and resident-facing pages of cases (随手拍), one module per concern: the public list
and case pages (pages), following and rating (account), 网格长核查 (verification), the report
form (reporting), and the statistics and open data (open_data). Views parse input and call
the services in cases.services, which hold the rules. The names below are what cases.urls
routes to."""

from cases.views.account import case_follow, case_rate, case_unfollow, my_cases
from cases.views.open_data import cases_csv, statistics_csv, statistics_page
from cases.views.pages import case_detail, case_list, case_photo
from cases.views.reporting import report
from cases.views.verification import case_verify

__all__ = [
    "case_detail",
    "case_follow",
    "case_list",
    "case_photo",
    "case_rate",
    "case_unfollow",
    "case_verify",
    "cases_csv",
    "my_cases",
    "report",
    "statistics_csv",
    "statistics_page",
]
