"""Photos of a case are cleaned before they are stored: decoded and re-encoded as JPEG, which
drops every EXIF field (GPS position, camera, time) after applying the orientation, and
resized so that a phone photo of several megabytes becomes a few hundred kilobytes."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
MAX_PHOTOS = 3
# Larger images than this (about a 60-megapixel camera) are refused before decoding: a
# small PNG can claim 20000 × 20000 pixels and take gigabytes of memory to open.
MAX_PIXELS = 60_000_000


def too_large_message() -> str:
    return _("这张照片的尺寸太大（超过 6000 万像素），请缩小后再传。")


def check_dimensions(uploaded) -> None:
    """ValidationError when the image's header claims more than MAX_PIXELS pixels. Reads only
    the header; a file Pillow cannot read at all is left to the caller's own check."""
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            width, height = image.size
    except Image.DecompressionBombError as error:
        raise ValidationError(too_large_message()) from error
    except (UnidentifiedImageError, OSError, ValueError):
        return
    finally:
        uploaded.seek(0)
    if width * height > MAX_PIXELS:
        raise ValidationError(too_large_message())


def clean_photo(uploaded) -> ContentFile:
    """A JPEG without metadata, at most MAX_SIDE pixels on its longer side."""
    if getattr(uploaded, "size", 0) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("每张照片不能超过 10 MB，请换一张或压缩后再传。"))
    check_dimensions(uploaded)
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("无法识别这张照片，请上传 JPEG 或 PNG 格式的图片。")) from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    output = BytesIO()
    # No exif= argument: the saved file carries no metadata.
    image.save(output, format="JPEG", quality=82, optimize=True)
    return ContentFile(output.getvalue(), name="photo.jpg")
