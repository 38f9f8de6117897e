"""Authentication backends that load the signed-in person with their home grid, community
and street in the same query: nearly every page asks for them. The statement is written once
per process (portal.rows), not built by the ORM on every request."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.rows import load_chain

HOME = ("home_grid", "community", "street")


def _get_user(backend, user_id):
    try:
        user = load_chain(get_user_model(), int(user_id), HOME)
    except (TypeError, ValueError):  # a session naming no valid id
        return None
    if user is None:
        return None
    return user if backend.user_can_authenticate(user) else None


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)


class PortalAllauthBackend(AllauthBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)
