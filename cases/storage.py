"""Where case photos live: a storage that is never served by the web server.

Photos may show faces, number plates or the inside of a home, so they are not Wagtail images
(those are public). With object storage (AWS_STORAGE_BUCKET_NAME) the `cases_private` entry
in STORAGES puts them as private objects under `private/` (portal.settings.object_storage);
otherwise files go to CASES_PRIVATE_MEDIA_ROOT, by default `<PORTAL_VAR_DIR>/private-media/`,
outside MEDIA_ROOT. Views stream a photo (or redirect to a URL signed for a few minutes) only
after a permission check.
"""

from portal.storage import private_storage as _private_storage


def private_storage():
    return _private_storage("cases_private", setting="CASES_PRIVATE_MEDIA_ROOT")
