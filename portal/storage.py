"""Where files live: local disk by default, S3-compatible object storage when configured
(portal.settings.object_storage, on when AWS_STORAGE_BUCKET_NAME is set).

Private files (case photos, staff exports, data downloads) may hold personal data. On local
disk they are never under MEDIA_ROOT and have no public URL; views stream them after a
permission check. A deployment that configures the named entry in STORAGES (a private S3
bucket or prefix) gets that instead, and the same views then answer a redirect to a signed URL
that expires within seconds (`private_file_response`). Which storage is used is decided at
each use, not at import, so tests and deployments can change the settings.

Public media (Wagtail images and their renditions) on S3 have plain public URLs, except
Wagtail documents, which stay private objects: Wagtail's serve view checks the collection's
privacy and then redirects to a signed URL (WAGTAILDOCS_SERVE_METHOD = "redirect").
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


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


class PrivateStorage(Storage):
    """STORAGES[alias] when configured, else the private local folder, looked up at each use
    (a model field keeps its storage object from import on)."""

    def __init__(self, alias: str, *, setting: str, subfolder: str = ""):
        self.alias = alias
        self.setting = setting
        self.subfolder = subfolder

    @property
    def target(self) -> Storage:
        if self.alias in settings.STORAGES:
            return storages[self.alias]
        return PrivateFileSystemStorage(setting=self.setting, subfolder=self.subfolder)

    def __getattr__(self, name):
        # Only what the instance lacks (e.g. an S3 storage's `bucket_name`); never its own
        # fields or special names, which copy and pickle look up before __init__ has run.
        if name.startswith("__") or name in ("alias", "setting", "subfolder"):
            raise AttributeError(name)
        return getattr(self.target, name)

    # Every public method of Storage, handed on whole: the target's own rules (e.g. S3's
    # overwrite and name cleaning) apply, not Storage's defaults.
    def open(self, name, mode="rb"):
        return self.target.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.target.save(name, content, max_length=max_length)

    def delete(self, name):
        return self.target.delete(name)

    def exists(self, name):
        return self.target.exists(name)

    def listdir(self, path):
        return self.target.listdir(path)

    def size(self, name):
        return self.target.size(name)

    def url(self, name):
        return self.target.url(name)

    def path(self, name):
        return self.target.path(name)

    def get_valid_name(self, name):
        return self.target.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.target.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.target.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.target.generate_filename(filename)

    def get_accessed_time(self, name):
        return self.target.get_accessed_time(name)

    def get_created_time(self, name):
        return self.target.get_created_time(name)

    def get_modified_time(self, name):
        return self.target.get_modified_time(name)


def private_storage(alias: str, *, setting: str, subfolder: str = "") -> PrivateStorage:
    """STORAGES[alias] when configured, else the private local folder (see PrivateStorage)."""
    return PrivateStorage(alias, setting=setting, subfolder=subfolder)


class MediaStorage(S3Storage):
    """Public media on S3: objects readable by anyone (`default_acl`, "public-read" unless
    the deployment says otherwise) at plain, stable URLs, except those under
    `private_prefixes` (Wagtail documents), which are written with the private ACL and get a
    URL signed for `private_expire` seconds."""

    private_prefixes: tuple[str, ...] = ("documents/",)
    private_expire = 300

    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            "private_prefixes": self.private_prefixes,
            "private_expire": self.private_expire,
        }

    def is_private(self, name: str) -> bool:
        return clean_name(name).startswith(tuple(self.private_prefixes))

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        if self.is_private(name):
            params["ACL"] = "private"
        return params

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.is_private(name):
            return super().url(name, parameters, expire, http_method)
        params = {**(parameters or {}), "Bucket": self.bucket_name}
        params["Key"] = self._normalize_name(clean_name(name))
        return self.connection.meta.client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=min(expire or self.private_expire, self.private_expire),
            HttpMethod=http_method,
        )


def signed_url(
    storage: Storage, name: str, *, content_type: str = "", filename: str = ""
) -> str | None:
    """A URL of a private file signed for the storage's `querystring_expire` seconds when it
    is in object storage; None when it is not (local disk: stream it). Never a URL that
    works without a signature."""
    if isinstance(storage, PrivateStorage):
        storage = storage.target
    if not isinstance(storage, S3Storage):
        return None
    if not storage.querystring_auth or storage.custom_domain:
        # Such a URL would be public (or unsigned on a CDN): stream the file instead.
        return None
    parameters = {}
    if content_type:
        parameters["ResponseContentType"] = content_type
    if filename:
        parameters["ResponseContentDisposition"] = content_disposition_header(True, filename)
    return storage.url(name, parameters=parameters)


def private_file_response(
    storage: Storage,
    name: str,
    *,
    content_type: str = "",
    filename: str = "",
    cache_control: str = "private, no-store",
) -> HttpResponse:
    """A private file, for a view that has checked who may see it: a redirect (302) to a
    short-lived signed URL when the file is in object storage, never kept by any cache;
    streamed from local disk otherwise (with `cache_control`). `filename` makes it a
    download. Raises FileNotFoundError (or OSError) when a local file is missing."""
    url = signed_url(storage, name, content_type=content_type, filename=filename)
    if url is not None:
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    kwargs = {"as_attachment": True, "filename": filename} if filename else {}
    if content_type:
        kwargs["content_type"] = content_type
    response = FileResponse(storage.open(name, "rb"), **kwargs)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
