"""Streets → communities → grids, for choosing the home grid (public: place names only)."""

from __future__ import annotations

from ninja import Router, Schema

from api.params import ObjectId
from portal import selectors
from portal.models import Street

router = Router(tags=["区域"])


class PlaceOut(Schema):
    id: int
    name: str


@router.get("/streets", response=list[PlaceOut], summary="街道")
def geo_streets(request):
    return list(Street.objects.order_by("code").only("pk", "name"))


@router.get("/streets/{street_id}/communities", response=list[PlaceOut], summary="街道的社区")
def geo_communities(request, street_id: ObjectId):
    return list(selectors.communities_of_street(street_id=street_id).order_by("code"))


@router.get("/communities/{community_id}/grids", response=list[PlaceOut], summary="社区的网格")
def geo_grids(request, community_id: ObjectId):
    return list(selectors.grids_of_community(community_id=community_id).order_by("code"))
