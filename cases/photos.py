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


def clean_photo(uploaded) -> ContentFile:
    """A JPEG without metadata, at most MAX_SIDE pixels on its longer side."""
    if getattr(uploaded, "size", 0) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("每张照片不能超过 10 MB，请换一张或压缩后再传。"))
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
