"""The portal's URLconf with the ceiling view in front (see bench/settings.py)."""

from django.urls import path

from bench.ceiling import CEILING_PATH, ceiling
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path(CEILING_PATH.strip("/") + "/", ceiling), *portal_urlpatterns]
