"""From annotation rows to items: validation, flags and row accounting (no TensorFlow, no Beam).

Documented flags (column `flags` of the consensus output):
- missing_label: a row had no label; the row is dropped and counted.
- unknown_label: a label outside the declared domain; the row is dropped and counted.
- duplicate_rows: the same annotator labelled the item twice with the same label; counted once.
- conflicting_duplicate: the same annotator gave the item different labels; that annotator's labels on the
  item are dropped and counted.
- malformed_box: a box that is not x1 y1 x2 y2 [class] with finite coordinates, x1 <= x2, y1 <= y2; the row is
  dropped and counted.
- degenerate_box: a box of zero area (x1 == x2 or y1 == y2); the row is dropped and counted.
- single_label / tie / low_confidence / no_valid_label: set by the consensus step.
"""
import math

from tfx_dcai.errors import InputError
from tfx_dcai.predictions import label_text


class BadInputError(InputError):
    """Input the component cannot work with; the message names the file, column or value at fault."""


class InvalidLabel:
    """A label that could not be read (e.g. a malformed box): its row is dropped and counted under `reason`."""

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"InvalidLabel({self.reason!r})"


def normalize_label(value, level: str, column: str):
    """A label as a plain Python value (None when missing); text must be UTF-8."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else (None if not value else value)
        if isinstance(value, list):
            raise BadInputError(f"column {column!r}: expected one label per row, got {len(value)} values")
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInputError(f"column {column!r}: label {value[:40]!r} is not UTF-8 text") from None
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    if level != "nominal":
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise BadInputError(f"column {column!r}: level {level!r} needs numeric labels, got {value!r}") from None
        if math.isnan(value):
            return None
    if isinstance(value, float) and math.isinf(value):
        raise BadInputError(f"column {column!r}: label {value!r} is not a finite number; fix or remove the row "
                            "(a missing label may be empty or NaN)")
    return value


def valid_label(label, domain) -> bool:
    """Whether a label counts: present, readable and in the domain (texts, LabelConsistencyConfig.domain_texts;
    None when no domain is declared)."""
    return label is not None and not isinstance(label, InvalidLabel) and (domain is None or label_text(label) in domain)


def assemble_item(rows, domain=None, multiple: bool = False) -> tuple:
    """[(annotator, label)] of one item -> ({annotator: label}, flags, {reason: dropped rows}).

    With `multiple` (boxes) an annotator may give several labels: {annotator: [labels]}, no duplicate checks."""
    if not multiple:
        labels = dict(rows)
        if len(labels) == len(rows) and all(valid_label(label, domain) for label in labels.values()):
            return labels, [], {}  # one valid label per annotator, the common case: nothing to drop or flag
    dropped = {}
    first = {}   # annotator -> first valid label
    more = {}    # annotator -> further valid labels (duplicates)
    for annotator, label in rows:
        if label is None:
            reason = "missing_label"
        elif isinstance(label, InvalidLabel):
            reason = label.reason
        elif domain is not None and label_text(label) not in domain:
            reason = "unknown_label"
        elif annotator in first:
            more.setdefault(annotator, []).append(label)
            continue
        else:
            first[annotator] = label
            continue
        dropped[reason] = dropped.get(reason, 0) + 1
    flags = set(dropped)
    if multiple:
        return {a: [label] + more.get(a, []) for a, label in first.items()}, sorted(flags), dropped
    labels = {}
    for annotator, label in first.items():
        duplicates = more.get(annotator)
        if duplicates is None:
            labels[annotator] = label
        elif any(d != label for d in duplicates):
            dropped["conflicting_duplicate"] = dropped.get("conflicting_duplicate", 0) + 1 + len(duplicates)
            flags.add("conflicting_duplicate")
        else:
            dropped["duplicate_rows"] = dropped.get("duplicate_rows", 0) + len(duplicates)
            flags.add("duplicate_rows")
            labels[annotator] = label
    return labels, sorted(flags), dropped
