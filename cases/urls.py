from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="index"),
    path("cases/report/", views.report, name="report"),
    path("cases/statistics/", views.statistics_page, name="statistics"),
    path("cases/statistics.csv", views.statistics_csv, name="statistics_csv"),
    path("cases/open-data.csv", views.cases_csv, name="cases_csv"),
    path("cases/mine/", views.my_cases, name="mine"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/follow/", views.case_follow, name="follow"),
    path("cases/<str:number>/unfollow/", views.case_unfollow, name="unfollow"),
    path("cases/<str:number>/rate/", views.case_rate, name="rate"),
    path("cases/<str:number>/verify/", views.case_verify, name="verify"),
    path("cases/<str:number>/photos/<id:photo_id>/", views.case_photo, name="photo"),
]
