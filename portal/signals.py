from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal.context_processors import clear_menu_cache, clear_site_settings_cache
from portal.middleware import PRIVACY_VERSION_CACHE_KEY
from portal.models import SiteSettings


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def _page_changed(sender, **kwargs):
    clear_menu_cache()


@receiver(post_page_move)
def _page_moved(sender, **kwargs):
    """A restricted page moved: its pages' tree paths changed with it (the view-restriction
    check of portal.models.ViewRestrictionsMixin and the public lists read them)."""
    _forget_restricted_paths()


def _forget_restricted_paths() -> None:
    """Now, and again after the commit: a list read meanwhile by another request, from the
    uncommitted state, is not kept for the hour the cache keeps it."""
    from portal.selectors import RESTRICTED_PATHS_CACHE_KEY

    cache.delete(RESTRICTED_PATHS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(RESTRICTED_PATHS_CACHE_KEY))


@receiver(post_save, sender=Page)
@receiver(post_delete, sender=Page)
def _base_page_changed(sender, **kwargs):
    clear_menu_cache()


@receiver(post_save, sender=SiteSettings)
def _privacy_settings_changed(sender, **kwargs):
    cache.delete(PRIVACY_VERSION_CACHE_KEY)
    clear_site_settings_cache()


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def _restriction_changed(sender, **kwargs):
    _forget_restricted_paths()
    clear_menu_cache()
