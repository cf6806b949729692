"""From annotation rows to items: validation, flags and row accounting (no TensorFlow, no Beam).

Documented flags (column `flags` of the consensus output):
- missing_label: a row had no label; the row is dropped and counted.
- unknown_label: a label outside the declared domain; the row is dropped and counted.
- duplicate_rows: the same annotator labelled the item twice with the same label; counted once.
- conflicting_duplicate: the same annotator gave the item different labels; that annotator's labels on the
  item are dropped and counted.
- malformed_box: a box that is not x1 y1 x2 y2 [class] with x1 <= x2, y1 <= y2; the row is dropped and counted.
- single_label / tie / low_confidence / no_valid_label: set by the consensus step.
"""
import math
from collections import Counter

from components.errors import InputError


class BadInputError(InputError):
    """Input the component cannot work with; the message names the file, column or value at fault."""


class InvalidLabel:
    """A label that could not be read (e.g. a malformed box): its row is dropped and counted under `reason`."""

    def __init__(self, reason: str):
        self.reason = reason


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
            return float(value)
        except (TypeError, ValueError):
            raise BadInputError(f"column {column!r}: level {level!r} needs numeric labels, got {value!r}") from None
    return value


def assemble_item(rows, domain=None, multiple: bool = False) -> tuple:
    """[(annotator, label)] of one item -> ({annotator: label}, flags, Counter of dropped rows by reason).

    With `multiple` (boxes) an annotator may give several labels: {annotator: [labels]}, no duplicate checks."""
    dropped = Counter()
    flags = set()
    given = {}
    for annotator, label in rows:
        if label is None:
            dropped["missing_label"] += 1
            flags.add("missing_label")
        elif isinstance(label, InvalidLabel):
            dropped[label.reason] += 1
            flags.add(label.reason)
        elif domain is not None and label not in domain:
            dropped["unknown_label"] += 1
            flags.add("unknown_label")
        else:
            given.setdefault(annotator, []).append(label)
    if multiple:
        return given, sorted(flags), dropped
    labels = {}
    for annotator, values in given.items():
        if len(set(values)) > 1:
            dropped["conflicting_duplicate"] += len(values)
            flags.add("conflicting_duplicate")
            continue
        if len(values) > 1:
            dropped["duplicate_rows"] += len(values) - 1
            flags.add("duplicate_rows")
        labels[annotator] = values[0]
    return labels, sorted(flags), dropped
