"""Import the district's streets, communities and grids from a CSV file.

Columns: street_code, street_name, community_code, community_name, grid_code, grid_name.
Rows are matched by code, so re-running an import updates names and never duplicates.
The whole file is checked first; one bad row means nothing is written.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Community, Grid, Street

COLUMNS = [
    "street_code",
    "street_name",
    "community_code",
    "community_name",
    "grid_code",
    "grid_name",
]


class GeographyImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: dict[str, int] = field(
        default_factory=lambda: {"street": 0, "community": 0, "grid": 0}
    )
    updated: dict[str, int] = field(
        default_factory=lambda: {"street": 0, "community": 0, "grid": 0}
    )


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise GeographyImportError([_("缺少列：%(columns)s") % {"columns": ", ".join(missing)}])
        return [(line, row) for line, row in enumerate(reader, start=2)]


def _validate(rows: list[tuple[int, dict]]) -> list[str]:
    errors = []
    seen_grids: dict[str, int] = {}
    street_names: dict[str, str] = {}
    community_parent: dict[str, str] = {}
    for line, row in rows:
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        empty = [c for c, v in values.items() if not v]
        if empty:
            errors.append(
                _("第 %(line)d 行：%(columns)s 为空。")
                % {"line": line, "columns": ", ".join(empty)}
            )
            continue
        too_long = [c for c in COLUMNS if len(values[c]) > (20 if c.endswith("code") else 50)]
        if too_long:
            errors.append(
                _("第 %(line)d 行：%(columns)s 过长。")
                % {"line": line, "columns": ", ".join(too_long)}
            )
        if values["grid_code"] in seen_grids:
            errors.append(
                _("第 %(line)d 行：网格编码 %(code)s 与第 %(first)d 行重复。")
                % {
                    "line": line,
                    "code": values["grid_code"],
                    "first": seen_grids[values["grid_code"]],
                }
            )
        seen_grids.setdefault(values["grid_code"], line)
        if (
            street_names.setdefault(values["street_code"], values["street_name"])
            != values["street_name"]
        ):
            errors.append(
                _("第 %(line)d 行：街道编码 %(code)s 对应了两个不同的名称。")
                % {"line": line, "code": values["street_code"]}
            )
        if (
            community_parent.setdefault(values["community_code"], values["street_code"])
            != values["street_code"]
        ):
            errors.append(
                _("第 %(line)d 行：社区编码 %(code)s 出现在两个不同的街道下。")
                % {"line": line, "code": values["community_code"]}
            )
    return errors


def import_geography(path: Path) -> ImportResult:
    rows = _read_rows(path)
    errors = _validate(rows)
    if errors:
        raise GeographyImportError(errors)
    result = ImportResult()
    streets = {s.code: s for s in Street.objects.all()}
    communities = {c.code: c for c in Community.objects.all()}
    grids = {g.code: g for g in Grid.objects.all()}

    def upsert(cache, model, kind, code, **values):
        obj = cache.get(code)
        if obj is None:
            obj = model(code=code, **values)
            obj.save()
            cache[code] = obj
            result.created[kind] += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
            result.updated[kind] += 1
        return obj

    with transaction.atomic():
        for _line, row in rows:
            v = {c: row[c].strip() for c in COLUMNS}
            street = upsert(streets, Street, "street", v["street_code"], name=v["street_name"])
            community = upsert(
                communities,
                Community,
                "community",
                v["community_code"],
                name=v["community_name"],
                street=street,
            )
            upsert(grids, Grid, "grid", v["grid_code"], name=v["grid_name"], community=community)
    return result
