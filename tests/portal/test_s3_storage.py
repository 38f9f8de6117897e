"""Media on S3-compatible object storage (portal.settings.object_storage, portal.storage),
against moto's in-process S3 (no network): public media at plain URLs, private files (case
photos, exports, data ZIPs, Wagtail documents) as private objects that the permission-checked
views redirect to through URLs signed for a few minutes. Without AWS_ variables everything
stays on local disk."""

from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction

from cases import services
from cases.models import CasePhoto
from portal.export_jobs import export_storage
from portal.models import ExportJob
from portal.settings.object_storage import s3_storages
from portal.storage import PrivateFileSystemStorage
from tests import factories
from tests.cases.factories import make_world
from tests.portal.export_helpers import queue_export
from tests.volunteers.factories import make_shift

pytestmark = pytest.mark.django_db

BUCKET = "portal-media"
PRIVATE_BUCKET = "portal-private"
EXPIRE = 120
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ENV = {
    "AWS_STORAGE_BUCKET_NAME": BUCKET,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_QUERYSTRING_EXPIRE": str(EXPIRE),
}


@pytest.fixture
def s3(settings, tmp_path):
    """A mocked S3 with the bucket and the settings a deployment with ENV gets; the
    `settings` fixture puts the local storages back after the test."""
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path / "private"  # must stay empty
    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, **s3_storages(ENV)}
        settings.WAGTAILDOCS_SERVE_METHOD = "redirect"
        yield client
    assert not (tmp_path / "private").exists(), "a private file went to local disk"
    assert not (tmp_path / "exports").exists(), "an export went to local disk"
    assert not (tmp_path / "media").exists(), "media went to local disk"


@pytest.fixture
def world(db):
    return make_world()


def keys(client, bucket=BUCKET) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def public_grants(client, key, bucket=BUCKET) -> list[dict]:
    grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return [g for g in grants if g["Grantee"].get("URI") == ALL_USERS]


def assert_signed_redirect(response, key, bucket=BUCKET) -> dict:
    """A 302 to a URL of `key` signed for at most EXPIRE seconds that no cache keeps; the
    URL works, the same URL without its signature does not. Returns the query."""
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    url = urlsplit(response["Location"])
    assert url.netloc == f"{bucket}.s3.amazonaws.com"
    assert url.path == f"/{key}"
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert 0 < int(query["X-Amz-Expires"]) <= EXPIRE
    assert requests.get(response["Location"], timeout=5).status_code == 200
    assert requests.get(f"https://{bucket}.s3.amazonaws.com/{key}", timeout=5).status_code == 403
    return query


def jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, format="JPEG")
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- Settings -----------------------------------------------------------------------------


def test_without_aws_variables_everything_stays_on_local_disk(settings, tmp_path):
    assert s3_storages({}) == {}
    assert s3_storages({"AWS_STORAGE_BUCKET_NAME": " "}) == {}
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    assert "cases_private" not in settings.STORAGES
    assert "exports" not in settings.STORAGES
    settings.CASES_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    photo_storage = CasePhoto._meta.get_field("image").storage
    assert isinstance(photo_storage.target, PrivateFileSystemStorage)
    assert isinstance(export_storage().target, PrivateFileSystemStorage)
    name = photo_storage.save("cases/x.jpg", ContentFile(b"x"))
    assert (tmp_path / "private" / name).read_bytes() == b"x"
    with pytest.raises(ValueError):
        photo_storage.url(name)


def test_settings_from_the_environment():
    storages = s3_storages(
        {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:19100",
            "AWS_S3_CUSTOM_DOMAIN": "media.example.cn",
        }
    )
    public = storages["default"]["OPTIONS"]
    assert storages["default"]["BACKEND"] == "portal.storage.MediaStorage"
    assert (public["bucket_name"], public["location"]) == (BUCKET, "")
    assert (public["default_acl"], public["querystring_auth"]) == ("public-read", False)
    assert public["custom_domain"] == "media.example.cn"
    assert public["endpoint_url"] == "http://127.0.0.1:19100"
    assert public["addressing_style"] == "path"
    assert public["region_name"] == "us-east-1"
    for alias, location in (("cases_private", "private"), ("exports", "private/exports")):
        options = storages[alias]["OPTIONS"]
        assert storages[alias]["BACKEND"] == "storages.backends.s3.S3Storage"
        assert (options["bucket_name"], options["location"]) == (BUCKET, location)
        assert (options["default_acl"], options["querystring_auth"]) == ("private", True)
        assert options["querystring_expire"] == 300
        # A signed URL goes to the bucket itself, never through the public domain.
        assert options["custom_domain"] is None

    separate = s3_storages({**ENV, "AWS_PRIVATE_BUCKET_NAME": PRIVATE_BUCKET})
    assert separate["cases_private"]["OPTIONS"]["bucket_name"] == PRIVATE_BUCKET
    assert separate["cases_private"]["OPTIONS"]["location"] == ""
    assert separate["exports"]["OPTIONS"]["location"] == "exports"
    assert separate["exports"]["OPTIONS"]["querystring_expire"] == EXPIRE
    assert separate["default"]["OPTIONS"]["bucket_name"] == BUCKET
    assert separate["default"]["OPTIONS"]["addressing_style"] is None


# --- Public media -------------------------------------------------------------------------


def test_an_image_uploaded_in_the_admin_lands_in_the_bucket_with_public_urls(client, s3):
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    buffer = BytesIO()
    Image.new("RGB", (640, 480), "blue").save(buffer, format="PNG")
    response = client.post(
        "/admin/images/add/",
        {
            "title": "社区花园",
            "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile("garden.png", buffer.getvalue(), "image/png"),
        },
    )
    assert response.status_code == 302, response.content[:500]
    image = get_image_model().objects.get(title="社区花园")
    assert image.file.name in keys(s3)
    assert image.file.name.startswith("original_images/")
    assert public_grants(s3, image.file.name)

    rendition = image.get_rendition("width-200")
    assert rendition.file.name in keys(s3)
    assert rendition.url == f"https://{BUCKET}.s3.amazonaws.com/{rendition.file.name}"
    fetched = requests.get(rendition.url, timeout=5)
    assert fetched.status_code == 200
    with Image.open(BytesIO(fetched.content)) as stored:
        assert stored.width == 200


def test_documents_are_private_objects_served_after_wagtails_privacy_check(client, s3):
    collection = Collection.get_first_root_node().add_child(name="内部文件")
    document = get_document_model().objects.create(
        title="会议纪要", file=ContentFile(b"%PDF-1.4 minutes", name="minutes.pdf")
    )
    assert document.file.name.startswith("documents/")
    assert not public_grants(s3, document.file.name)
    assert_signed_redirect(client.get(document.url), document.file.name)

    document.collection = collection
    document.save()
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    response = client.get(document.url)
    assert response.status_code == 302
    assert "amazonaws" not in response["Location"]
    assert response["Location"].startswith("/")
    client.force_login(factories.make_user())
    assert_signed_redirect(client.get(document.url), document.file.name)


# --- Private files ------------------------------------------------------------------------


def test_case_photos_are_private_objects_behind_a_signed_redirect(client, s3, world):
    case = world.report(photos=[jpeg()])
    photo = case.photos.get()
    key = f"private/{photo.image.name}"
    assert keys(s3) == [key]
    assert not public_grants(s3, key)

    admin_url = reverse("cases_admin_photo", args=[case.pk, photo.pk])
    client.force_login(world.other_staff)
    response = client.get(admin_url)
    assert response.status_code == 404
    assert "Location" not in response
    assert "amazonaws" not in response.content.decode()

    client.force_login(world.staff)
    query = assert_signed_redirect(client.get(admin_url), key)
    assert query["response-content-type"] == "image/jpeg"

    public_url = reverse("cases:photo", args=[case.number, photo.pk])
    client.logout()
    response = client.get(public_url)
    assert response.status_code == 404
    assert "Location" not in response
    services.case_photo_set_public(photo=photo, by=world.staff, public=True)
    assert_signed_redirect(client.get(public_url), key)


def test_staff_exports_are_private_objects_behind_a_signed_redirect(
    client, s3, grids, django_capture_on_commit_callbacks
):
    mine, other = grids[0], grids[4]
    make_shift(grid=mine, title="本社区巡查")
    staff = factories.make_community_staff(mine.community)
    client.force_login(staff)
    job_id = queue_export(
        client, "/admin/volunteers/shifts/", "csv", django_capture_on_commit_callbacks
    )
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == ExportJob.Status.DONE
    key = f"private/exports/{job.file_name}"
    assert key in keys(s3)
    assert not public_grants(s3, key)

    download = f"/admin/exports/{job.pk}/download/"
    query = assert_signed_redirect(client.get(download), key)
    assert query["response-content-disposition"].startswith(
        'attachment; filename="volunteers-shifts-'
    )

    client.force_login(factories.make_community_staff(other.community))
    response = client.get(download)
    assert response.status_code == 404
    assert "Location" not in response


def test_the_personal_data_zip_is_a_private_object_for_its_owner_only(
    client, s3, resident, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/me/data/").status_code == 302
    job = ExportJob.objects.get(requested_by=resident)
    key = f"private/exports/{job.file_name}"
    assert key in keys(s3)
    assert not public_grants(s3, key)
    download = reverse("data_download_file", args=[job.pk])
    query = assert_signed_redirect(client.get(download), key)
    assert query["response-content-disposition"].endswith('.zip"')

    client.force_login(factories.make_user())
    response = client.get(download)
    assert response.status_code == 404
    assert "Location" not in response


def test_a_separate_private_bucket_holds_the_private_files(client, s3, settings, world):
    s3.create_bucket(Bucket=PRIVATE_BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        **s3_storages({**ENV, "AWS_PRIVATE_BUCKET_NAME": PRIVATE_BUCKET}),
    }
    case = world.report(photos=[jpeg()])
    photo = case.photos.get()
    assert keys(s3, PRIVATE_BUCKET) == [photo.image.name]
    assert keys(s3) == []
    assert not public_grants(s3, photo.image.name, PRIVATE_BUCKET)
    client.force_login(world.staff)
    response = client.get(reverse("cases_admin_photo", args=[case.pk, photo.pk]))
    assert_signed_redirect(response, photo.image.name, PRIVATE_BUCKET)
