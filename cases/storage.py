"""Where case photos live: a storage that is never served by the web server.

Photos may show faces, number plates or the inside of a home, so they are not Wagtail images
(those are public). A project that configures a `cases_private` entry in STORAGES (e.g. a
private S3 bucket) gets it; otherwise files go to CASES_PRIVATE_MEDIA_ROOT, by default
`<PORTAL_VAR_DIR>/private-media/`, outside MEDIA_ROOT. Views stream a photo only after a
permission check.
"""

from portal.storage import private_storage as _private_storage


def private_storage():
    return _private_storage("cases_private", setting="CASES_PRIVATE_MEDIA_ROOT")
