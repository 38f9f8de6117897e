from django.urls import path

from volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("volunteers/", views.index, name="index"),
    path("volunteers/join/", views.apply, name="apply"),
    path("volunteers/grids/<str:code>/", views.grid_detail, name="grid_detail"),
    path("volunteers/grids/<str:code>/roster/", views.roster, name="roster"),
    path(
        "volunteers/grids/<str:code>/roster.<str:fmt>",
        views.roster_export,
        name="roster_export",
    ),
    path("volunteers/grids/<str:code>/leader/", views.appoint_leader, name="appoint_leader"),
    path("volunteers/grids/<str:code>/patrols/new/", views.patrol_create, name="patrol_create"),
    path(
        "volunteers/projects/<id:project_id>/activities/new/",
        views.activity_create,
        name="activity_create",
    ),
    path(
        "volunteers/memberships/<id:pk>/decide/",
        views.membership_decide,
        name="membership_decide",
    ),
    path("volunteers/memberships/<id:pk>/leave/", views.membership_leave, name="membership_leave"),
    path("volunteers/shifts/<id:pk>/", views.shift_detail, name="shift_detail"),
    path("volunteers/shifts/<id:pk>/edit/", views.shift_edit, name="shift_edit"),
    path("volunteers/shifts/<id:pk>/sign-up/", views.shift_sign_up, name="shift_sign_up"),
    path("volunteers/shifts/<id:pk>/code/", views.shift_code, name="shift_code"),
    path("volunteers/shifts/<id:pk>/check-in/", views.shift_check_in, name="shift_check_in"),
    path(
        "volunteers/shifts/<id:pk>/attendance/",
        views.shift_attendance,
        name="shift_attendance",
    ),
    path("volunteers/shifts/<id:pk>/signups.<str:fmt>", views.shift_export, name="shift_export"),
    path("volunteers/signups/<id:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("volunteers/signups/<id:pk>/calendar.ics", views.signup_ics, name="signup_ics"),
    path("volunteers/me/record/", views.my_record, name="my_record"),
    path("volunteers/me/certificates/", views.certificate_issue, name="certificate_issue"),
    path("volunteers/me/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path(
        "volunteers/certificates/<str:number>/",
        views.certificate_detail,
        name="certificate_detail",
    ),
    path("volunteers/verify/<str:token>/", views.certificate_verify, name="certificate_verify"),
    path("volunteers/calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
