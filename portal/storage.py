"""Private files on local disk: case photos, staff exports, data downloads.

They may hold personal data, so they are never under MEDIA_ROOT and have no public URL; views
stream them after a permission check. A deployment that configures the named entry in
STORAGES (e.g. a private S3 bucket) gets that instead. The folder is read from the settings at
use, not at import, so tests and deployments can move it.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage without a public URL, in `settings.<setting>` or, when that is
    not set, `<PORTAL_VAR_DIR>/private-media/<subfolder>`."""

    def __init__(self, *, setting: str, subfolder: str = "", **kwargs):
        self.setting = setting
        self.subfolder = subfolder
        super().__init__(**kwargs)

    @property
    def base_location(self):
        default = settings.VAR_DIR / "private-media"
        return getattr(
            settings, self.setting, default / self.subfolder if self.subfolder else default
        )

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no public URL; use the permission-checked view.")


def private_storage(alias: str, *, setting: str, subfolder: str = ""):
    """STORAGES[alias] when configured, else the private local folder."""
    if alias in settings.STORAGES:
        return storages[alias]
    return PrivateFileSystemStorage(setting=setting, subfolder=subfolder)
