from django.urls import path, re_path
from django.utils.translation import gettext as _

from api.core import api
from api.pages import router as pages_router
from api.problems import problem_response
from api.resources import load

load()


def not_found(request, rest=""):
    """Anything else under /api/: a problem document, not the site's HTML 404 page."""
    return problem_response(404, _("没有这个接口。"), code="not_found")


urlpatterns = [
    path("v1/", api.urls),
    path("v2/", pages_router.urls),
    re_path(r"^(?P<rest>.*)$", not_found, name="api_not_found"),
]
