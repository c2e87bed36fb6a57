"""Label placement of the printed overview (connectivity.maps.labels) and its long texts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_maps import ARTIFACTS, Region, region  # noqa: F401  (the module's fixture)

from connectivity.maps.labels import boxes_overlap, place_labels
from connectivity.maps.overview import RANK_LABEL_GID, overview_figure


def _boxes(placed: list, sizes: np.ndarray) -> list[tuple[float, float, float, float]]:
    return [
        (p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2)
        for p, (w, h) in zip(placed, sizes, strict=True)
    ]


def test_a_pile_of_labels_spreads_out_without_overlap() -> None:
    rng = np.random.default_rng(3)
    # twenty works on one village (the Cusco case), and a few elsewhere
    anchors = np.vstack([500 + rng.normal(0, 6, (20, 2)), rng.uniform(50, 950, (6, 2))])
    sizes = np.tile([18.0, 12.0], (len(anchors), 1))
    sizes[9:] = [24.0, 12.0]  # two-digit ranks are wider
    bounds = (0.0, 0.0, 1000.0, 800.0)
    scale_bar = (0.0, 0.0, 200.0, 30.0)
    placed = place_labels(anchors, sizes, bounds=bounds, obstacles=[scale_bar])
    boxes = _boxes(placed, sizes)
    for a, b in itertools.combinations(boxes, 2):
        assert not boxes_overlap(a, b)
    for box in boxes:
        assert bounds[0] <= box[0] and box[2] <= bounds[2]
        assert bounds[1] <= box[1] and box[3] <= bounds[3]
        assert not boxes_overlap(box, scale_bar)
    assert not placed[0].leader  # the first label sits on its work
    assert sum(p.leader for p in placed[:20]) >= 15  # the pile moves out on leader lines
    # near their works: no label of the pile further than a few label heights away
    far = [np.hypot(p.x - a[0], p.y - a[1]) for p, a in zip(placed[:20], anchors[:20], strict=True)]
    assert max(far) < 120
    # deterministic: the same inputs, the same places
    assert place_labels(anchors, sizes, bounds=bounds, obstacles=[scale_bar]) == placed


def test_a_frame_too_small_for_the_labels_is_an_error() -> None:
    anchors = np.array([[10.0, 10.0]] * 5)
    with pytest.raises(ValueError, match="no free place"):
        place_labels(anchors, np.tile([15.0, 15.0], (5, 1)), bounds=(0, 0, 30, 30))


def test_a_long_title_wraps_and_long_names_stay_whole(region: Region) -> None:  # noqa: F811
    from dataclasses import replace

    table = region.ranking.ranking.copy()
    long_name = (
        "Mejoramiento del camino vecinal entre la comunidad campesina de Santa Rosa de "
        "Huayllapampa y el centro poblado de San Juan Bautista de Chacaypampa Alta"
    )
    table.loc[table.index[1], "name"] = long_name
    ranking = replace(region.ranking, ranking=table)
    title = "Provincia de La Convención, distritos de Echarati, Megantoni y Santa Teresa " * 3
    fig = overview_figure(region.network, ranking, access=region.access, top_n=5, title=title)
    renderer = fig.canvas.get_renderer()
    heading = fig.texts[0]
    assert heading.get_text().count("\n") >= 1  # wrapped
    box = heading.get_window_extent(renderer)
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1
    assert heading.get_fontsize() < 13  # three lines at 13 pt: smaller
    words = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
    assert long_name in words
    labels = [t for t in fig.axes[0].texts if t.get_gid() == RANK_LABEL_GID]
    assert len(labels) == 5
    fig.savefig(ARTIFACTS / "overview_long_title.png")
