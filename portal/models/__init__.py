from .exports import ExportJob
from .geography import Community, Grid, Street
from .media import PortalDocument, PortalImage, PortalRendition
from .notifications import Notification, NotificationPreference
from .pages import (
    HomePage,
    NewsIndexPage,
    NewsPage,
    NewsPageTag,
    SearchableMixin,
    StandardPage,
    ViewRestrictionsMixin,
)
from .settings import SiteSettings
from .users import HomeGridChange, User, mask_mobile

__all__ = [
    "Community",
    "ExportJob",
    "Grid",
    "HomeGridChange",
    "HomePage",
    "NewsIndexPage",
    "NewsPage",
    "NewsPageTag",
    "Notification",
    "NotificationPreference",
    "PortalDocument",
    "PortalImage",
    "PortalRendition",
    "SearchableMixin",
    "SiteSettings",
    "StandardPage",
    "Street",
    "User",
    "ViewRestrictionsMixin",
    "mask_mobile",
]
