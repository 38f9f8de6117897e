from django.db import models
from wagtail.documents.models import AbstractDocument, Document
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.search import index

from portal.search import cjk_bigrams


class PortalImage(AbstractImage):
    """An image in the media library. Titles are searchable in Chinese (see portal.search)."""

    admin_form_fields = Image.admin_form_fields

    search_fields = AbstractImage.search_fields + [
        index.SearchField("search_bigrams"),
        index.AutocompleteField("search_bigrams"),
    ]

    @property
    def search_bigrams(self) -> str:
        return cjk_bigrams(self.title)


class PortalRendition(AbstractRendition):
    image = models.ForeignKey(PortalImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


class PortalDocument(AbstractDocument):
    """A document in the media library (notices, forms to download)."""

    admin_form_fields = Document.admin_form_fields

    search_fields = AbstractDocument.search_fields + [
        index.SearchField("search_bigrams"),
        index.AutocompleteField("search_bigrams"),
    ]

    @property
    def search_bigrams(self) -> str:
        return cjk_bigrams(self.title)
