"""Per-item consensus labels: majority vote or a fitted Dawid-Skene model; every item gets a row and flags."""
import dataclasses

from tfx_dcai.predictions import label_sort_key
from tfx_dcai.label_consistency.boxes import consensus_boxes, format_boxes
from tfx_dcai.label_consistency.transcripts import medoid_transcript

METHODS = ("majority", "dawid_skene")
CONSENSUS_COLUMNS = ("consensus_confidence", "consensus_n_labels", "consensus_flags")  # in the consensus outputs


@dataclasses.dataclass(frozen=True)
class ConsensusColumns:
    """Consensus rows as columns: items[k] (None for rows without item id), labels[k] (None without a valid
    label), confidence[k], n_labels[k], flags[k] (a sorted tuple)."""
    items: list
    labels: list
    confidence: list
    n_labels: list
    flags: list

    @classmethod
    def from_rows(cls, rows: list) -> "ConsensusColumns":
        """Columns of consensus_row dicts; None (rows without item id) gives an empty entry."""
        rows = [row or {"item": None, "label": None, "confidence": 0.0, "n_labels": 0, "flags": ()} for row in rows]
        return cls(*([row[key] for row in rows] for key in ("item", "label", "confidence", "n_labels")),
                   flags=[tuple(row["flags"]) for row in rows])

    def __add__(self, other: "ConsensusColumns") -> "ConsensusColumns":
        return ConsensusColumns(*(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self)))

    def __len__(self) -> int:
        return len(self.items)

    def row(self, k: int) -> dict:
        """Entry k as a consensus_row dict."""
        return {"item": self.items[k], "label": self.labels[k], "confidence": self.confidence[k],
                "n_labels": self.n_labels[k], "flags": list(self.flags[k])}

    def rows(self) -> list:
        """The consensus_row dicts of the entries with an item id."""
        return [self.row(k) for k, item in enumerate(self.items) if item is not None]

    def file_values(self, positions: list) -> dict:
        """{name: values at `positions`} for each of CONSENSUS_COLUMNS (flags ';'-joined)."""
        joined = {flags: ";".join(flags) for flags in set(self.flags)}
        return dict(zip(CONSENSUS_COLUMNS, ([self.confidence[k] for k in positions],
                                            [self.n_labels[k] for k in positions],
                                            [joined[self.flags[k]] for k in positions])))


def majority_vote(labels: dict) -> tuple:
    """(label, share of votes, tied); ties go to the first label in canonical order and are flagged."""
    votes = {}
    for label in labels.values():
        votes[label] = votes.get(label, 0) + 1
    top = max(votes.values())
    winners = [v for v, c in votes.items() if c == top]
    if len(winners) == 1:
        return winners[0], top / len(labels), False
    return min(winners, key=label_sort_key), top / len(labels), True


def consensus_row(item_id, labels: dict, flags: list, model=None, min_confidence: float = 0.0,
                  text_rules=None, match_iou: float = None) -> dict:
    """One consensus row: item, label, confidence, n_labels, flags (sorted, ';'-joined in files).

    `text_rules` (normalisation rules) switches to transcripts: the medoid transcript wins; `match_iou`
    switches to boxes: the boxes of the annotator who matches the others best win."""
    flags = list(flags)
    if not labels:
        return {"item": item_id, "label": None, "confidence": 0.0, "n_labels": 0,
                "flags": sorted(set(flags + ["no_valid_label"]))}
    if text_rules is not None:
        label, confidence = medoid_transcript(labels, text_rules)
    elif match_iou is not None:
        boxes, confidence = consensus_boxes(labels, match_iou)
        label = format_boxes(boxes)
    elif model is None:
        label, confidence, tied = majority_vote(labels)
        if tied:
            flags.append("tie")
    else:
        posterior = model.posterior(labels)
        best = int(posterior.argmax())
        label, confidence = model.classes[best], float(posterior[best])
    if len(labels) < 2:
        flags.append("single_label")
    if confidence < min_confidence:
        flags.append("low_confidence")
    return {"item": item_id, "label": label, "confidence": float(confidence), "n_labels": len(labels),
            "flags": sorted(set(flags))}
