from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portal.demo import GEOGRAPHY_CSV
from portal.geography_import import GeographyImportError, import_geography
from portal.models import Community, Grid, Street

HEADER = "street_code,street_name,community_code,community_name,grid_code,grid_name\n"


def write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "geo.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_demo_file_has_the_districts_real_counts():
    import_geography(GEOGRAPHY_CSV)
    assert Street.objects.count() == 19
    assert Community.objects.count() == 135
    assert Grid.objects.count() == 1188
    assert Street.objects.filter(name="辽宁路街道").exists()
    assert Street.objects.filter(name="河西街道").exists()


@pytest.mark.django_db
def test_reimport_updates_and_never_duplicates(tmp_path):
    path = write(tmp_path, "S1,甲街道,C1,一社区,G1,第1网格\nS1,甲街道,C1,一社区,G2,第2网格\n")
    first = import_geography(path)
    assert first.created == {"street": 1, "community": 1, "grid": 2}
    path = write(tmp_path, "S1,甲街道,C1,新名社区,G1,第1网格\nS1,甲街道,C1,新名社区,G2,第2网格\n")
    second = import_geography(path)
    assert second.created == {"street": 0, "community": 0, "grid": 0}
    assert second.updated["community"] == 1
    assert Grid.objects.count() == 2
    assert Community.objects.get(code="C1").name == "新名社区"


@pytest.mark.django_db
def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(tmp_path):
    path = write(
        tmp_path,
        "S1,甲街道,C1,一社区,G1,第1网格\n"
        "S1,甲街道,C1,一社区,,第2网格\n"
        "S1,甲街道,C1,一社区,G1,第3网格\n",
    )
    with pytest.raises(GeographyImportError) as error:
        import_geography(path)
    messages = "\n".join(error.value.errors)
    assert "第 3 行" in messages and "grid_code" in messages
    assert "第 4 行" in messages and "重复" in messages
    assert Street.objects.count() == 0 and Grid.objects.count() == 0


@pytest.mark.django_db
def test_command_fails_clearly_on_a_missing_column(tmp_path):
    path = tmp_path / "geo.csv"
    path.write_text("street_code,street_name\nS1,甲街道\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_geography", str(path))
    assert Street.objects.count() == 0
