"""随手拍 · 诉求 — resident reports followed to a closed case within working-time limits.

Where things are:
    models/          CaseCategory + CaseTimeLimit (snippet), Case, CasePhoto (private storage),
                     CaseEvent (history), CaseFollower, CaseExtension, WorkingDayOverride,
                     CaseDailyStat (daily aggregate kept by the services), CaseSweepLock
    transitions.py   the state machine: which role may take which action from which state
    permissions.py   roles of a person for a case; cases_for_staff(), the one staff scope
    services/        case_<action>(*, case, by, ...) for every write; case_sweep()
    working_time.py  add_working_hours() / working_minutes_between()
    holidays.py      the chinesecalendar package → WorkingDayOverride
    selectors.py     reads shared by the inbox, pages and exports
    admin_views.py   我的待办 (inbox, case page, actions, bulk, private photos)
    wagtail_hooks.py admin URLs, menu item, category and calendar snippets
"""
