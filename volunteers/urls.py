from django.urls import path

from volunteers.views import attendance, certificates, rosters, shifts

app_name = "volunteers"
urlpatterns = [
    path("volunteers/", rosters.index, name="index"),
    path("volunteers/join/", rosters.apply, name="apply"),
    path("volunteers/grids/<str:code>/", rosters.grid_detail, name="grid_detail"),
    path("volunteers/grids/<str:code>/roster/", rosters.roster, name="roster"),
    path(
        "volunteers/grids/<str:code>/roster.<str:fmt>",
        rosters.roster_export,
        name="roster_export",
    ),
    path("volunteers/grids/<str:code>/leader/", rosters.appoint_leader, name="appoint_leader"),
    path("volunteers/grids/<str:code>/patrols/new/", shifts.patrol_create, name="patrol_create"),
    path(
        "volunteers/projects/<id:project_id>/activities/new/",
        shifts.activity_create,
        name="activity_create",
    ),
    path(
        "volunteers/memberships/<id:pk>/decide/",
        rosters.membership_decide,
        name="membership_decide",
    ),
    path(
        "volunteers/memberships/<id:pk>/leave/", rosters.membership_leave, name="membership_leave"
    ),
    path("volunteers/shifts/<id:pk>/", shifts.shift_detail, name="shift_detail"),
    path("volunteers/shifts/<id:pk>/edit/", shifts.shift_edit, name="shift_edit"),
    path("volunteers/shifts/<id:pk>/sign-up/", shifts.shift_sign_up, name="shift_sign_up"),
    path("volunteers/shifts/<id:pk>/code/", attendance.shift_code, name="shift_code"),
    path("volunteers/shifts/<id:pk>/check-in/", attendance.shift_check_in, name="shift_check_in"),
    path(
        "volunteers/shifts/<id:pk>/attendance/",
        attendance.shift_attendance,
        name="shift_attendance",
    ),
    path("volunteers/shifts/<id:pk>/signups.<str:fmt>", shifts.shift_export, name="shift_export"),
    path("volunteers/signups/<id:pk>/cancel/", shifts.signup_cancel, name="signup_cancel"),
    path("volunteers/signups/<id:pk>/calendar.ics", shifts.signup_ics, name="signup_ics"),
    path("volunteers/me/record/", certificates.my_record, name="my_record"),
    path("volunteers/me/certificates/", certificates.certificate_issue, name="certificate_issue"),
    path("volunteers/me/calendar/reset/", certificates.calendar_reset, name="calendar_reset"),
    path(
        "volunteers/certificates/<str:number>/",
        certificates.certificate_detail,
        name="certificate_detail",
    ),
    path(
        "volunteers/verify/<str:token>/", certificates.certificate_verify, name="certificate_verify"
    ),
    path("volunteers/calendar/<str:token>.ics", certificates.calendar_feed, name="calendar_feed"),
]
