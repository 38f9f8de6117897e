"""Where case photos live: a storage that is never served by the web server.

Photos may show faces, number plates or the inside of a home, so they are not Wagtail images
(those are public). A project that configures a `cases_private` entry in STORAGES (e.g. a
private S3 bucket) gets it; otherwise files go to CASES_PRIVATE_MEDIA_ROOT, by default
`<PORTAL_VAR_DIR>/private-media/`, outside MEDIA_ROOT. Views stream a photo only after a
permission check.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage without a public URL whose folder is read from the settings at
    use (not at import), so tests and deployments can move it."""

    @property
    def base_location(self):
        return getattr(settings, "CASES_PRIVATE_MEDIA_ROOT", settings.VAR_DIR / "private-media")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Case photos have no public URL; use the staff photo view.")


def private_storage():
    if "cases_private" in settings.STORAGES:
        return storages["cases_private"]
    return PrivateFileSystemStorage()
