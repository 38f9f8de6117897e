"""Charts of the statistics page: server-rendered SVG. The template draws what these
functions lay out, and the same numbers appear in a table next to each chart for screen
readers and for copying."""

CHART_WIDTH = 640
CHART_HEIGHT = 220
CHART_LEFT = 44
CHART_BOTTOM = 28
CHART_TOP = 12


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(points: list[tuple[str, float]]) -> dict:
    """Bars of `points` [(label, value)] laid out in a CHART_WIDTH × CHART_HEIGHT box."""
    plot_width = CHART_WIDTH - CHART_LEFT - 8
    plot_height = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    top = _nice_ceiling(max((value for _label, value in points), default=0))
    slot = plot_width / max(len(points), 1)
    label_every = max(1, round(len(points) / 10))
    bars = []
    for index, (label, value) in enumerate(points):
        height = plot_height * value / top
        bars.append(
            {
                "x": round(CHART_LEFT + index * slot + slot * 0.15, 1),
                "y": round(CHART_TOP + plot_height - height, 1),
                "width": round(slot * 0.7, 1),
                "height": round(height, 1),
                "label": label,
                "value": value,
                "label_x": round(CHART_LEFT + index * slot + slot / 2, 1),
                "show_label": index % label_every == 0,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "bars": bars,
        "ticks": _ticks(top, plot_height),
        "left": CHART_LEFT,
        "right": CHART_WIDTH - 8,
        "baseline": CHART_TOP + plot_height,
        "label_y": CHART_HEIGHT - 8,
    }


def line_chart(labels: list[str], series: list[tuple[str, str, list[float | None]]]) -> dict:
    """Lines of rates (0–1) over time: `series` [(name, css class, values)]; a missing value
    (no cases to divide by) breaks the line."""
    plot_width = CHART_WIDTH - CHART_LEFT - 8
    plot_height = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    step = plot_width / max(len(labels) - 1, 1)
    label_every = max(1, round(len(labels) / 10))
    lines = []
    for name, css, values in series:
        segments, current, dots = [], [], []
        for index, value in enumerate(values):
            if value is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            x = round(CHART_LEFT + index * step, 1)
            y = round(CHART_TOP + plot_height * (1 - value), 1)
            current.append(f"{x},{y}")
            dots.append({"x": x, "y": y})
        if current:
            segments.append(" ".join(current))
        lines.append({"name": name, "css": css, "segments": segments, "dots": dots})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "lines": lines,
        "ticks": [
            {"y": round(CHART_TOP + plot_height * (1 - share), 1), "label": f"{int(share * 100)}%"}
            for share in (0, 0.25, 0.5, 0.75, 1)
        ],
        "labels": [
            {"x": round(CHART_LEFT + index * step, 1), "label": label}
            for index, label in enumerate(labels)
            if index % label_every == 0
        ],
        "left": CHART_LEFT,
        "right": CHART_WIDTH - 8,
        "label_y": CHART_HEIGHT - 8,
    }


def _ticks(top: float, plot_height: float) -> list[dict]:
    ticks = []
    for share in (0, 0.25, 0.5, 0.75, 1):
        value = top * share
        ticks.append(
            {
                "y": round(CHART_TOP + plot_height * (1 - share), 1),
                "label": f"{value:g}" if value != int(value) else f"{int(value)}",
            }
        )
    return ticks
