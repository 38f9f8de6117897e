"""The earlier addresses of a survey's results, text answers and exports, kept as redirects:
these sub-pages are now routes of the survey page (SurveyPage, RoutablePageMixin)."""

from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("survey/<id:page_id>/results/", views.results_moved, name="results"),
    path(
        "survey/<id:page_id>/results/text/<id:question_id>/",
        views.text_answers_moved,
        name="text_answers",
    ),
    path("survey/<id:page_id>/export/<str:kind>.<str:fmt>", views.export_moved, name="export"),
]
