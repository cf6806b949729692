"""Bounding-box agreement: per item, each pair of annotators' boxes matched by IoU (Hungarian algorithm).

Conventions (docs/label_consistency.md): a box is (x1, y1, x2, y2[, class]) with x1 <= x2 and y1 <= y2.
Boxes of two annotators are matched one-to-one maximising total IoU (scipy's linear_sum_assignment); a pair
with IoU >= `match_iou` (default 0.5) is a match, other boxes are missed (in a, not b) or extra (in b, not a).
A match with different classes is a class swap. Alpha uses the distance 1 - IoU: observed disagreement is the
mean distance over matched pairs plus 1 per unmatched box; expected disagreement is the mean distance between
boxes of different items (on a bounded sample). "Group" convention: one box of a covers (>= 90% of each) two
or more unmatched boxes of b: a draws one box around a group, b one box per object.
"""
import math
from collections import Counter, defaultdict
from itertools import combinations

import numpy as np
from scipy.optimize import linear_sum_assignment

from tfx_dcai.hashing import stable_hash
from tfx_dcai.label_consistency.accumulator import keep_smallest
from tfx_dcai.label_consistency.items import BadInputError


class DegenerateBoxError(BadInputError):
    """A box of zero area (x1 == x2 or y1 == y2): its IoU with any box, itself included, is 0."""


def parse_box(value, column: str = "label") -> tuple:
    """(x1, y1, x2, y2, class or None) from a list of numbers or a 'x1 y1 x2 y2 [class]' string.

    Raises:
      BadInputError: not 4 finite numbers (+ a class), or x2 < x1 or y2 < y1 (a malformed box).
      DegenerateBoxError: a box of zero area.
    """
    parts = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    if len(parts) not in (4, 5):
        raise BadInputError(f"column {column!r}: a box needs x1 y1 x2 y2 [class], got {value!r}")
    try:
        x1, y1, x2, y2 = (float(p) for p in parts[:4])
    except (TypeError, ValueError):
        raise BadInputError(f"column {column!r}: box coordinates must be numbers, got {value!r}") from None
    if not all(math.isfinite(c) for c in (x1, y1, x2, y2)):
        raise BadInputError(f"column {column!r}: box coordinates must be finite numbers, got {value!r}")
    if x2 < x1 or y2 < y1:
        raise BadInputError(f"column {column!r}: malformed box {value!r} (x2 < x1 or y2 < y1)")
    if x2 == x1 or y2 == y1:
        raise DegenerateBoxError(f"column {column!r}: box {value!r} has zero area")
    return (x1, y1, x2, y2, str(parts[4]) if len(parts) == 5 else None)


def iou_matrix(a, b) -> np.ndarray:
    a, b = np.asarray([x[:4] for x in a], float).reshape(-1, 4), np.asarray([x[:4] for x in b], float).reshape(-1, 4)
    inter = _intersection(a, b)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _intersection(a, b):
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def match_boxes(a, b, match_iou: float = 0.5) -> dict:
    """Hungarian matching of two box lists: matches [(i, j, iou)], missed (a's), extra (b's), class swaps."""
    if not a or not b:
        return {"matches": [], "missed": list(range(len(a))), "extra": list(range(len(b))), "class_swaps": 0}
    iou = iou_matrix(a, b)
    rows, cols = linear_sum_assignment(-iou)
    matches = [(i, j, float(iou[i, j])) for i, j in zip(rows, cols) if iou[i, j] >= match_iou]
    matched_a, matched_b = {i for i, _, _ in matches}, {j for _, j, _ in matches}
    swaps = sum(1 for i, j, _ in matches if a[i][4] is not None and b[j][4] is not None and a[i][4] != b[j][4])
    return {"matches": matches, "missed": [i for i in range(len(a)) if i not in matched_a],
            "extra": [j for j in range(len(b)) if j not in matched_b], "class_swaps": swaps}


def group_boxes(a, b, unmatched_a, unmatched_b, cover: float = 0.9) -> int:
    """How many unmatched boxes of `a` each cover >= 2 unmatched boxes of `b` (>= `cover` of their area)."""
    if not unmatched_a or len(unmatched_b) < 2:
        return 0
    big = [a[i] for i in unmatched_a]
    small = np.asarray([b[j][:4] for j in unmatched_b], float)
    inter = _intersection(np.asarray([x[:4] for x in big], float), small)
    area = (small[:, 2] - small[:, 0]) * (small[:, 3] - small[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        covered = np.where(area > 0, inter / area, 0.0) >= cover
    return int((covered.sum(axis=1) >= 2).sum())


class BoxAccumulator:
    """Combinable box-agreement statistics per annotator pair, plus a bounded box sample for alpha."""

    def __init__(self, match_iou: float = 0.5, sample_size: int = 2000, max_examples: int = 5):
        self.match_iou, self.sample_size, self.max_examples = match_iou, sample_size, max_examples
        self.n_items = 0
        self.n_single_label_items = 0
        self.annotator_labels = Counter()
        self.pairs = defaultdict(Counter)   # (a, b) -> items, matches, iou_sum, missed, extra, class_swaps
        self.groups = Counter()             # (grouper, splitter) -> group boxes
        self.examples = defaultdict(list)   # (a, b) -> smallest ids of items with a missed/extra box or a swap
        self.observed = 0.0                 # sum over items and pairs of distances
        self.observed_pairs = 0.0           # number of compared box pairs (matched or box-vs-nothing)
        self.sample = []                    # [(hash, item, box)] smallest hashes: a deterministic sample

    def add_item(self, item_id, labels: dict) -> "BoxAccumulator":
        """`labels`: {annotator: [boxes]}."""
        self.n_items += 1
        self.annotator_labels.update({a: len(boxes) for a, boxes in labels.items()})
        if len(labels) < 2:
            self.n_single_label_items += 1
        for a, b in combinations(sorted(labels, key=str), 2):
            self._add_pair(str(item_id), a, b, labels[a], labels[b])
        for annotator, boxes in labels.items():
            for k, box in enumerate(boxes):
                self._sample((stable_hash(item_id, annotator, k), str(item_id), box))
        return self

    def _add_pair(self, item_id, a, b, boxes_a, boxes_b):
        m = match_boxes(boxes_a, boxes_b, self.match_iou)
        s = self.pairs[(a, b)]
        s["items"] += 1
        s["matches"] += len(m["matches"])
        s["iou_sum"] += sum(iou for _, _, iou in m["matches"])
        s["missed"] += len(m["missed"])
        s["extra"] += len(m["extra"])
        s["class_swaps"] += m["class_swaps"]
        self.observed += sum(1.0 - iou for _, _, iou in m["matches"]) + len(m["missed"]) + len(m["extra"])
        self.observed_pairs += len(m["matches"]) + len(m["missed"]) + len(m["extra"])
        self.groups[(a, b)] += group_boxes(boxes_a, boxes_b, m["missed"], m["extra"])
        self.groups[(b, a)] += group_boxes(boxes_b, boxes_a, m["extra"], m["missed"])
        if m["missed"] or m["extra"] or m["class_swaps"]:
            keep_smallest(self.examples[(a, b)], item_id, self.max_examples)

    def _sample(self, entry):
        self.sample.append(entry)
        if len(self.sample) > 2 * self.sample_size:
            self.sample = sorted(self.sample)[:self.sample_size]

    def merge(self, other: "BoxAccumulator") -> "BoxAccumulator":
        self.n_items += other.n_items
        self.n_single_label_items += other.n_single_label_items
        self.annotator_labels.update(other.annotator_labels)
        for pair, stats in other.pairs.items():
            self.pairs[pair].update(stats)
        self.groups.update(other.groups)
        for pair, items in other.examples.items():
            for item_id in items:
                keep_smallest(self.examples[pair], item_id, self.max_examples)
        self.observed += other.observed
        self.observed_pairs += other.observed_pairs
        self.sample = sorted(self.sample + other.sample)[:self.sample_size]
        return self

    def alpha(self) -> float:
        """1 - D_o / D_e with distance 1 - IoU (see module docstring)."""
        sample = sorted(self.sample)[:self.sample_size]
        if not self.observed_pairs or len(sample) < 2:
            return float("nan")
        items = np.array([s[1] for s in sample])
        distance = 1.0 - iou_matrix([s[2] for s in sample], [s[2] for s in sample])
        across = items[:, None] != items[None, :]
        if not across.any():
            return float("nan")
        expected = distance[across].mean()
        return float(1.0 - (self.observed / self.observed_pairs) / expected) if expected else float("nan")


def summarize_boxes(acc: BoxAccumulator) -> dict:
    pairwise, findings = [], []
    for (a, b), s in sorted(acc.pairs.items(), key=lambda kv: tuple(map(str, kv[0]))):
        boxes = s["matches"] + s["missed"] + s["extra"]
        pairwise.append({"annotators": [a, b], "n_items": s["items"], "matches": s["matches"],
                         "mean_iou": s["iou_sum"] / s["matches"] if s["matches"] else None,
                         "missed": s["missed"], "extra": s["extra"], "class_swaps": s["class_swaps"],
                         "match_rate": s["matches"] / boxes if boxes else 1.0,
                         "example_items": acc.examples[(a, b)]})
    for (grouper, splitter), count in acc.groups.most_common():
        if count:
            findings.append(f"annotator {grouper} draws one box around a group where {splitter} draws one box "
                            f"per object ({count} times): say which convention the instructions want")
    for p in pairwise:
        if p["class_swaps"]:
            findings.append(f"annotators {p['annotators'][0]} and {p['annotators'][1]} give matched boxes "
                            f"different classes {p['class_swaps']} times")
    return {"match_iou": acc.match_iou, "pairwise": pairwise, "findings": findings,
            "groups": [{"grouper": g, "splitter": s, "count": c} for (g, s), c in acc.groups.items() if c]}


def consensus_boxes(labels: dict, match_iou: float = 0.5) -> tuple:
    """(boxes of the annotator who agrees best with the others, their mean match rate): a medoid annotator."""
    annotators = sorted(labels, key=str)
    if len(annotators) == 1:
        return labels[annotators[0]], 1.0
    scores = {}
    for a in annotators:
        rates = []
        for b in annotators:
            if a != b:
                m = match_boxes(labels[a], labels[b], match_iou)
                total = len(m["matches"]) + len(m["missed"]) + len(m["extra"])
                rates.append(len(m["matches"]) / total if total else 1.0)
        scores[a] = float(np.mean(rates))
    best = max(annotators, key=lambda a: scores[a])
    return labels[best], scores[best]


def format_boxes(boxes) -> str:
    """Boxes as text: 'x1 y1 x2 y2 [class]' joined by ';'."""
    return ";".join(" ".join([f"{v:g}" for v in box[:4]] + ([box[4]] if box[4] is not None else []))
                    for box in boxes)
