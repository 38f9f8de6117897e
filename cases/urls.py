from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
]
