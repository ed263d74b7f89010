"""The server-side SVG bar chart: geometry, accessibility and escaping (pure function)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from collector.ui.chart import HEIGHT, Bar, bar_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def child(root: ET.Element, tag: str) -> ET.Element:
    """The chart's one ``<tag>`` child (SVG namespace), which must be there."""
    found = root.find(f"{SVG}{tag}")
    assert found is not None, f"no <{tag}> in the chart"
    return found


def rects(root: ET.Element, kind: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if kind in r.get("class", "").split()]


@pytest.mark.parametrize(("highest", "ticks"), [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]),
    (10, [0, 5, 10]), (1234, [0, 500, 1000, 1500]), (99_999, [0, 50_000, 100_000])])
def test_ticks_are_round_and_cover_the_highest_value(highest: int, ticks: list[int]) -> None:
    assert nice_ticks(highest) == ticks


def test_bars_are_proportional_and_labelled() -> None:
    bars = [Bar("Mon 4 Mar 2024", "4 Mar", 10), Bar("Tue 5 Mar 2024", "5 Mar", 5),
            Bar("Wed 6 Mar 2024", "6 Mar", 0)]
    root = parse(bar_chart(bars, title="Completions per day", description="15 in total"))
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby", "").split()
    assert [child(root, "title").get("id"), child(root, "desc").get("id")] == labelled
    values = rects(root, "value")
    assert len(values) == 2  # no bar is drawn for zero
    heights = [float(r.get("height", "0")) for r in values]
    assert heights[0] == pytest.approx(2 * heights[1])
    assert float(values[0].get("y", "0")) + heights[0] == pytest.approx(HEIGHT - 30)
    tips = [g.get("data-tip") for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert tips == ["Mon 4 Mar 2024: 10 completions", "Tue 5 Mar 2024: 5 completions",
                    "Wed 6 Mar 2024: 0 completions"]
    assert len(rects(root, "hit")) == 3


def test_uncounted_and_partial_buckets_look_different() -> None:
    bars = [Bar("Week 1", "w1", None), Bar("Week 2", "w2", 3, partial=True), Bar("Week 3", "w3", 1)]
    root = parse(bar_chart(bars, title="t", description="d"))
    assert len(rects(root, "missing")) == 1
    assert len(rects(root, "partial")) == 1
    tips = [g.get("data-tip", "") for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert "not counted" in tips[0]
    assert "partly sampled" in tips[1]


def test_at_most_eight_axis_labels() -> None:
    bars = [Bar(f"Day {i}", f"{i}", i) for i in range(365)]
    root = parse(bar_chart(bars, title="t", description="d"))
    labels = [t for t in root.iter(f"{SVG}text") if "x-label" in t.get("class", "")]
    assert 1 < len(labels) <= 8
    assert labels[0].text == "0"
    assert [t.get("class") for t in labels[:3]] == ["x-label", "x-label minor", "x-label"]


def test_text_is_escaped() -> None:
    markup = bar_chart([Bar('<script>alert(1)</script>"', "<b>", 1)],
                       title="</title><script>x</script>", description="a & b")
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    root = parse(markup)
    assert child(root, "title").text == "</title><script>x</script>"


def test_no_data_is_an_empty_but_valid_chart() -> None:
    root = parse(bar_chart([], title="Nothing", description="No completions"))
    assert rects(root, "value") == []
