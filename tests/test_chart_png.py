"""Chart PNGs say what they are: each carries its title, the data date and the export time."""

import datetime as dt
import io
import zipfile

import plotly.graph_objects as go
import polars as pl
import pytest

from duban.monitoring import charts

AS_OF = dt.date(2026, 6, 10)
MADE = dt.datetime(2026, 6, 10, 15, 30)


def _figure() -> go.Figure:
    trend = pl.DataFrame(
        {
            "week_end": [dt.date(2026, 5, 31), dt.date(2026, 6, 7)],
            "completed": [1, 2],
            "overdue": [3, 1],
        }
    )
    return charts.trend_counts(trend)


def test_the_stamped_copy_has_title_and_dates_and_the_screen_figure_is_untouched():
    fig = _figure()
    before = fig.to_json()
    out = charts.stamped(fig, "办结与逾期趋势", as_of=AS_OF, made_at=MADE)
    assert out is not fig and fig.to_json() == before
    assert out.layout.title.text == "办结与逾期趋势"
    notes = [a.text for a in out.layout.annotations]
    assert "数据截至 2026-06-10 · 导出于 2026-06-10 15:30" in notes
    assert out.layout.height > fig.layout.height and out.layout.margin.t > fig.layout.margin.t


def test_zip_hands_each_figure_to_the_renderer_stamped(monkeypatch):
    rendered: list[go.Figure] = []
    monkeypatch.setattr(charts, "png_available", lambda: True)
    monkeypatch.setattr(charts, "figure_png", lambda fig, **kw: rendered.append(fig) or b"png")
    figs = {"办结与逾期趋势": _figure(), "量化指标": _figure()}
    data = charts.zip_pngs(figs, as_of=AS_OF, made_at=MADE)
    assert [f.layout.title.text for f in rendered] == list(figs)
    assert all(
        any(a.text.startswith("数据截至 2026-06-10") for a in f.layout.annotations)
        for f in rendered
    )
    assert all(f.layout.title.text is None for f in figs.values())  # the screen's own
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["办结与逾期趋势.png", "量化指标.png"]


@pytest.mark.skipif(not charts.png_available(), reason="needs a local Chromium for kaleido")
def test_a_stamped_figure_renders_taller_than_the_plain_one():
    fig = _figure()
    png = charts.figure_png(charts.stamped(fig, "办结与逾期趋势", as_of=AS_OF, made_at=MADE))
    assert png is not None and png.startswith(b"\x89PNG")
    height = int.from_bytes(png[20:24], "big")  # the IHDR height
    assert height == fig.layout.height + charts.STAMP_TOP
