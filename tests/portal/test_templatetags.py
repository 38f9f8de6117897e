"""Service hours are formatted in one place, the same on every database."""

from decimal import Decimal

import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2, "2.00"),  # SQLite's Sum of a DecimalField may be an int …
        (2.0, "2.00"),  # … or a float
        (Decimal("2"), "2.00"),
        (Decimal("2.00"), "2.00"),  # PostgreSQL's Sum keeps the field's scale
        (Decimal("1.5"), "1.50"),
        (0.1 + 0.2, "0.30"),
        (Decimal("12.345"), "12.35"),
        (None, "0.00"),
    ],
)
def test_hours_filter(value, text):
    rendered = Template("{% load portal_tags %}{{ value|hours }}").render(Context({"value": value}))
    assert rendered == text
