"""Bounding boxes: IoU, Hungarian matching vs brute force, missed/extra/swaps, group convention, alpha."""
import itertools

import numpy as np
import pytest

from tfx_dcai.label_consistency.boxes import (BoxAccumulator, consensus_boxes, format_boxes, iou_matrix,
                                                match_boxes, parse_box, summarize_boxes)
from tfx_dcai.label_consistency.items import BadInputError


def test_iou_worked_example():
    # two 2x2 squares overlapping in a 1x1 square: IoU = 1 / (4 + 4 - 1)
    assert iou_matrix([(0, 0, 2, 2, None)], [(1, 1, 3, 3, None)])[0, 0] == pytest.approx(1 / 7)
    assert iou_matrix([(0, 0, 1, 1, None)], [(2, 2, 3, 3, None)])[0, 0] == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_hungarian_matching_maximises_total_iou_like_brute_force(seed):
    rng = np.random.default_rng(seed)
    def boxes(n):
        xy = rng.uniform(0, 10, (n, 2))
        wh = rng.uniform(1, 4, (n, 2))
        return [(x, y, x + w, y + h, None) for (x, y), (w, h) in zip(xy, wh)]
    a, b = boxes(5), boxes(5)
    iou = iou_matrix(a, b)
    best = max(sum(iou[i, p[i]] for i in range(5)) for p in itertools.permutations(range(5)))
    m = match_boxes(a, b, match_iou=0.0)
    assert sum(x for _, _, x in m["matches"]) == pytest.approx(best)


def test_missed_extra_and_class_swaps():
    a = [parse_box("0 0 10 10 car"), parse_box("20 0 30 10 car"), parse_box("50 50 60 60 dog")]
    b = [parse_box("1 1 10 10 truck"), parse_box("20 0 30 10 car")]
    m = match_boxes(a, b)
    assert [(i, j) for i, j, _ in m["matches"]] == [(0, 0), (1, 1)]
    assert (m["missed"], m["extra"], m["class_swaps"]) == ([2], [], 1)


def test_malformed_boxes_are_named():
    with pytest.raises(BadInputError, match="malformed box"):
        parse_box("10 0 5 10")
    with pytest.raises(BadInputError, match="x1 y1 x2 y2"):
        parse_box("1 2 3")
    assert parse_box([1.0, 2.0, 3.0, 4.0]) == (1.0, 2.0, 3.0, 4.0, None)


def test_group_convention_and_alpha():
    acc = BoxAccumulator()
    for i in range(20):
        x = 100.0 * i
        people = [(x, 0, x + 10, 20, None), (x + 12, 0, x + 22, 20, None)]
        group = [(x, 0, x + 22, 20, None)]
        acc.add_item(f"img{i:02d}", {"A": people, "B": people if i < 15 else group})
    summary = summarize_boxes(acc)
    assert summary["groups"] == [{"grouper": "B", "splitter": "A", "count": 5}]
    assert summary["findings"][0].startswith("annotator B draws one box around a group where A draws one box")
    pair = summary["pairwise"][0]
    assert (pair["matches"], pair["missed"], pair["extra"]) == (30, 10, 5)
    # observed: 30 perfect matches (distance 0) + 15 unmatched boxes (distance 1) over 45 comparisons;
    # expected: boxes of different images never overlap (distance 1)
    assert acc.alpha() == pytest.approx(1 - 15 / 45)


def test_consensus_boxes_pick_the_best_matching_annotator():
    one = [(0, 0, 10, 10, None)]
    labels = {"A": one, "B": one, "C": [(50, 50, 60, 60, None)]}
    boxes, confidence = consensus_boxes(labels)
    assert boxes == one and confidence == pytest.approx(0.5)
    assert format_boxes([(0, 0, 10.5, 10, "car")]) == "0 0 10.5 10 car"
