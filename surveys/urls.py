from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("survey/<id:page_id>/results/", views.results, name="results"),
    path(
        "survey/<id:page_id>/results/text/<id:question_id>/",
        views.text_answers,
        name="text_answers",
    ),
    path(
        "survey/<id:page_id>/export/<str:kind>.<str:fmt>",
        views.export,
        name="export",
    ),
]
