"""Media on S3-compatible object storage (AWS S3, MinIO, Ceph, a cloud's OSS), on when
AWS_STORAGE_BUCKET_NAME is set; local disk otherwise. Every variable is listed in README.md.

- "default" (Wagtail images, renditions, documents, any public media): the bucket's root,
  public objects at plain URLs (on AWS_S3_CUSTOM_DOMAIN when set), Wagtail documents
  excepted (portal.storage.MediaStorage).
- "cases_private" (case photos) and "exports" (staff exports, personal data ZIPs): private
  objects (ACL private) under the key prefix `private/` of the same bucket, or in
  AWS_PRIVATE_BUCKET_NAME; views redirect to URLs signed for AWS_QUERYSTRING_EXPIRE seconds.

The keys mirror the local folders (MEDIA_ROOT -> the bucket's root, private-media/ ->
private/), so a copy of the folders is a migration to the bucket.

Read by portal.settings.base from the environment; a plain function so tests can build the
same STORAGES from a dictionary.
"""

DEFAULT_REGION = "us-east-1"  # what MinIO and most S3-compatible services expect by default
DEFAULT_PRIVATE_EXPIRE = 300  # seconds a signed URL of a private file works
PRIVATE_PREFIX = "private"

S3_BACKEND = "storages.backends.s3.S3Storage"
MEDIA_BACKEND = "portal.storage.MediaStorage"


def s3_storages(environ) -> dict:
    """The STORAGES entries for object storage from environment variables; {} when
    AWS_STORAGE_BUCKET_NAME is not set (local disk)."""
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        return {}
    endpoint = environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    expire = int(environ.get("AWS_QUERYSTRING_EXPIRE", "") or DEFAULT_PRIVATE_EXPIRE)
    common = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": environ.get("AWS_S3_REGION_NAME", "").strip() or DEFAULT_REGION,
        # None: boto3's own chain (the same variables, an instance role, ~/.aws).
        "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "signature_version": "s3v4",
        # A service on its own host name (MinIO, moto) is addressed by path, not by a
        # bucket sub-domain.
        "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE", "").strip()
        or ("path" if endpoint else None),
        # As on local disk: a second file of the same name gets a new name.
        "file_overwrite": False,
    }
    private_bucket = environ.get("AWS_PRIVATE_BUCKET_NAME", "").strip()
    prefix = "" if private_bucket and private_bucket != bucket else PRIVATE_PREFIX

    def private(location: str) -> dict:
        return {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                **common,
                "bucket_name": private_bucket or bucket,
                "location": location,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": expire,
                "custom_domain": None,
            },
        }

    return {
        "default": {
            "BACKEND": MEDIA_BACKEND,
            "OPTIONS": {
                **common,
                "location": "",
                # "" leaves reads to the bucket policy (buckets with ACLs disabled); the
                # policy must then leave out private/ and documents/.
                "default_acl": environ.get("AWS_DEFAULT_ACL", "public-read") or None,
                "querystring_auth": False,
                "custom_domain": environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip() or None,
                "private_expire": expire,
            },
        },
        "cases_private": private(prefix),
        "exports": private(f"{prefix}/exports" if prefix else "exports"),
    }
