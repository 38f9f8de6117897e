"""The survey page's own address and its sub-pages (Wagtail's RoutablePageMixin): answering,
editing one's answers, the results, the free-text answers and the exports. The views are in
surveys.views (imported when a route is served: they import the models)."""

from django.shortcuts import redirect
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path


class SurveyRoutesMixin(RoutablePageMixin):
    def serve(self, request, view=None, args=None, kwargs=None):
        if view is None:  # called directly (previews): the survey itself
            view, args, kwargs = self.resolve_subpage("/")
        return super().serve(request, view, args, kwargs)

    @path("")
    def index_route(self, request, *args, **kwargs):
        """The survey itself (Wagtail's name for a routable page's own address)."""
        from surveys import views

        if request.method == "GET" and request.GET.get("edit") == "1":
            # The earlier address of "修改答案".
            return redirect(self.get_url(request) + self.reverse_subpage("edit"))
        return views.serve_survey(request, self)

    @path("edit/", name="edit")
    def edit_route(self, request):
        from surveys import views

        return views.serve_survey(request, self, edit=True)

    @path("results/", name="results")
    def results_route(self, request):
        from surveys import views

        return views.results(request, self)

    # The id's digits are bounded (as portal's <id:> converter does) so that the database
    # never sees a number it cannot compare.
    @re_path(r"^results/text/(?P<question_id>[1-9][0-9]{0,17})/$", name="text_answers")
    def text_answers_route(self, request, question_id):
        from surveys import views

        return views.text_answers(request, self, int(question_id))

    @re_path(r"^export/(?P<kind>responses|results)/(?P<fmt>csv|xlsx)/$", name="export")
    def export_route(self, request, kind, fmt):
        from surveys import views

        return views.export(request, self, kind, fmt)

    def results_url(self, request=None) -> str:
        return self.get_url(request) + self.reverse_subpage("results")

    def serve_submissions_list_view(self, request, *args, **kwargs):
        # Wagtail's own submissions list knows nothing of SurveyResponse: send staff to the
        # survey's results and exports instead.
        return redirect(self.results_url(request))
