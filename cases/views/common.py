"""Helpers shared by the public case views: the case from the URL and the sentence of a
service error."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from cases.models import Case
from cases.selectors import public_case


def case_or_404(number: str) -> Case:
    try:
        return public_case(number)
    except Case.DoesNotExist as error:
        raise Http404 from error


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def next_url(request, fallback: str) -> str:
    """The page to go back to after a POST: the posted `next` when it is on this site."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
