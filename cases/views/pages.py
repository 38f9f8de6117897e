"""The public list of cases and the anonymised case page (with its public photos). Nothing
here names the reporter or shows a photo that staff have not made public."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from cases.forms import LeaderVerifyForm, PublicCaseFilterSet, RatingForm
from cases.models import Case, CaseCategory, CaseFollower, CasePhoto, State
from cases.permissions import GRID_LEADER, case_roles
from cases.selectors import LIST_COUNT_CAP, capped_count, public_cases, public_events
from cases.services import may_rate
from cases.services.workflow import RATING_DAYS
from cases.views.common import case_or_404
from portal import page_cache
from portal.fragments import cached_fragment, cached_value
from portal.models import Community, Street
from portal.storage import private_file_response

PAGE_SIZE = 20


class CappedPaginator(Paginator):
    @cached_property
    def count(self):
        return capped_count(self.object_list)


@require_GET
@page_cache.public_page("cases", ttl=page_cache.CLOCK_TTL)
def case_list(request):
    """随手拍: the public list of cases with filters, newest first.

    The list under the filters is the same for everyone with the same query string, signed
    in or not: a fragment kept until the next purge of "cases" (every change of a case) and
    CLOCK_TTL seconds at most, like the page (the overdue marks change with the clock)."""
    filterset = PublicCaseFilterSet(request.GET or None, queryset=public_cases())
    valid = filterset.is_valid() if filterset.is_bound else True

    def render_results() -> str:
        cases = filterset.qs
        page_obj = CappedPaginator(cases.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render_to_string(
            "cases/includes/case_list_results.html",
            {
                "request": request,
                "page_obj": page_obj,
                "count_capped": page_obj.paginator.count >= LIST_COUNT_CAP,
            },
        )

    if valid:
        results = cached_fragment(
            "cases-list",
            render_results,
            tags=("cases",),
            vary=sorted(request.GET.lists()),
            ttl=page_cache.CLOCK_TTL,
        )
    else:
        results = ""  # the filters' errors say why; no "0 cases" under them
    return render(
        request,
        "cases/case_list.html",
        {
            "filterset": filterset,
            "results": mark_safe(results),
            "streets": Street.objects.all(),
            "communities": Community.objects.only("pk", "name", "street_id"),
            "categories": CaseCategory.objects.all(),
            "states": [choice for choice in State.choices if choice[0] != State.REJECTED],
        },
        status=200 if valid else 400,
    )


@require_GET
@page_cache.public_page("cases", ttl=page_cache.CLOCK_TTL)
def case_detail(request, number: str):
    """The anonymised public page of a case: what, where, its state, public updates and the
    photos staff made public. The reporter sees the rating form; others can follow."""
    case = case_or_404(number)
    return render_case_page(request, case)


def _can_verify(case: Case, user) -> bool:
    """The leader of the case's grid verifies a handled case on its public page (网格长核查);
    staff do it in 我的待办. The service checks the same again."""
    return case.state == State.HANDLED and GRID_LEADER in case_roles(user, case)


ARTICLE_PARTS = {
    "head": "cases/includes/case_head.html",
    "body": "cases/includes/case_body.html",
    "timeline": "cases/includes/case_timeline.html",
}


def case_article(request, case: Case) -> dict:
    """The parts of a case page that are the same for everyone (its place, state, details,
    public photos and result, and the public 办理进展), rendered once and kept until the next
    purge of "cases" (every change of a case, its history, photos or followers) and CLOCK_TTL
    seconds at most, like the page (the overdue mark and the deadline change with the clock).
    The person's own parts (rating, verification, following) are rendered around them."""

    def render_parts() -> dict:
        context = {
            "request": request,
            "case": case,
            "events": public_events(case),
            "photos": case.photos.filter(is_public=True).only("pk", "kind", "case_id"),
            "followers": case.followers.count(),
        }
        return {
            name: render_to_string(template, context) for name, template in ARTICLE_PARTS.items()
        }

    parts = cached_value(
        "case-page",
        render_parts,
        tags=("cases",),
        vary=(case.number,),
        ttl=page_cache.CLOCK_TTL,
    )
    return {name: mark_safe(html) for name, html in parts.items()}


def render_case_page(request, case: Case, *, rating_form=None, verify_form=None, status=200):
    user = request.user
    following = user.is_authenticated and CaseFollower.objects.filter(case=case, user=user).exists()
    if rating_form is None and may_rate(case, user):
        rating_form = RatingForm()
    if verify_form is None and _can_verify(case, user):
        verify_form = LeaderVerifyForm(prefix="verify")
    return render(
        request,
        "cases/case_page.html",
        {
            "case": case,
            "article": case_article(request, case),
            "following": following,
            "is_reporter": user.is_authenticated and case.reporter_id == user.pk,
            "rating_form": rating_form,
            "rating_days": RATING_DAYS,
            "verify_form": verify_form,
        },
        status=status,
    )


# Staff can take a photo's publication back (撤回公开): a browser or shared cache may still
# show it this many seconds after (README, "What relies on the TTL").
PUBLIC_PHOTO_MAX_AGE = 60


@require_GET
def case_photo(request, number: str, photo_id: int):
    """A photo staff made public, streamed from the private storage (or a redirect to a URL
    signed for a few minutes when it is in object storage); 404 for any other."""
    try:
        photo = CasePhoto.objects.get(
            pk=photo_id,
            case__number=number,
            is_public=True,
            case__state__in=[s for s in State.values if s != State.REJECTED],
        )
    except CasePhoto.DoesNotExist as error:
        raise Http404 from error
    try:
        return private_file_response(
            photo.image.storage,
            photo.image.name,
            content_type="image/jpeg",
            cache_control=f"public, max-age={PUBLIC_PHOTO_MAX_AGE}",
        )
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
