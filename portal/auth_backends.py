"""Authentication backends that load the signed-in person with their home grid, community
and street in the same query: nearly every page asks for them."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def _get_user(backend, user_id):
    user_model = get_user_model()
    try:
        user = user_model._default_manager.select_related("home_grid__community__street").get(
            pk=user_id
        )
    except user_model.DoesNotExist:
        return None
    return user if backend.user_can_authenticate(user) else None


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)


class PortalAllauthBackend(AllauthBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)
