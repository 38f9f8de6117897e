"""Streets → communities → grids, for choosing the home grid (public: place names only)."""

from __future__ import annotations

from ninja import Router, Schema

from api.http import with_etag
from api.params import ObjectId
from portal import selectors
from portal.models import Street

router = Router(tags=["区域"])


class PlaceOut(Schema):
    id: int
    name: str


LIST = {200: list[PlaceOut], 304: None}


@router.get("/streets", response=LIST, summary="街道")
def geo_streets(request):
    rows = Street.objects.order_by("code").only("pk", "name")
    return with_etag(request, list[PlaceOut], list(rows))


@router.get("/streets/{street_id}/communities", response=LIST, summary="街道的社区")
def geo_communities(request, street_id: ObjectId):
    rows = selectors.communities_of_street(street_id=street_id).order_by("code")
    return with_etag(request, list[PlaceOut], list(rows))


@router.get("/communities/{community_id}/grids", response=LIST, summary="社区的网格")
def geo_grids(request, community_id: ObjectId):
    rows = selectors.grids_of_community(community_id=community_id).order_by("code")
    return with_etag(request, list[PlaceOut], list(rows))
