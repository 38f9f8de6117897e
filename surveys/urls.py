from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("survey/<int:page_id>/results/", views.results, name="results"),
    path(
        "survey/<int:page_id>/results/text/<int:question_id>/",
        views.text_answers,
        name="text_answers",
    ),
    path(
        "survey/<int:page_id>/export/<str:kind>.<str:fmt>",
        views.export,
        name="export",
    ),
]
