"""User-supplied out-of-sample probabilities for confident learning, read from columns of the examples.

Naming convention for `prediction_column` = P:
- binary: a column P holds the probability of the positive class, which is the second of the two labels in
  sorted order (0/1 -> 1, False/True -> True, "no"/"yes" -> "yes");
- one column per class: when there is no column P, the columns `P_<label>` (label as text, e.g. `P_0`, `P_1`,
  `P_cat`) hold each class's probability. Every label seen needs its column; columns of labels that never
  occur are ignored. Probabilities are used as given (not renormalised).
An example whose probability is missing, NaN or outside [0, 1] is dropped from confident learning and
counted under its reason.
"""
import math

import numpy as np

from tfx_dcai.label_consistency.items import BadInputError

MISSING = "missing_probability"
OUT_OF_RANGE = "probability_out_of_range"


def is_probability_column(name: str, prediction_column: str) -> bool:
    return bool(prediction_column) and (name == prediction_column or name.startswith(prediction_column + "_"))


def prediction_columns(names, prediction_column: str, source: str) -> list:
    """The probability columns of a batch: [P] (binary) or the `P_<label>` columns; InputError if none."""
    if prediction_column in names:
        return [prediction_column]
    per_class = sorted(n for n in names if is_probability_column(n, prediction_column))
    if not per_class:
        raise BadInputError(f"{source}: no prediction column {prediction_column!r} (binary) nor columns "
                            f"'{prediction_column}_<label>' (one per class); columns are {sorted(names)}")
    return per_class


def probability_matrix(predictions: list, classes: list, prediction_column: str):
    """(n x K probabilities, kept mask, {reason: count}) from each example's {column: value} dict."""
    columns = _class_columns(predictions, classes, prediction_column)
    probs = np.full((len(predictions), len(classes)), np.nan)
    kept = np.ones(len(predictions), bool)
    dropped = {}
    for i, values in enumerate(predictions):
        row = [_number(values.get(c)) for c in columns]
        reason = (MISSING if any(v is None or math.isnan(v) for v in row)
                  else OUT_OF_RANGE if any(not 0.0 <= v <= 1.0 for v in row) else None)
        if reason:
            kept[i] = False
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        probs[i] = [1.0 - row[0], row[0]] if len(columns) == 1 else row
    return probs, kept, dropped


def _class_columns(predictions, classes, prediction_column) -> list:
    seen = set().union(*(p.keys() for p in predictions)) if predictions else set()
    if prediction_column in seen:
        if len(classes) != 2:
            raise BadInputError(f"prediction column {prediction_column!r} holds one probability (binary), but "
                                f"the labels have {len(classes)} classes {classes}: supply one column "
                                f"'{prediction_column}_<label>' per class")
        return [prediction_column]
    columns = [f"{prediction_column}_{c}" for c in classes]
    missing = [c for c in columns if c not in seen]
    if missing:
        raise BadInputError(f"no probability columns {missing} for labels seen in the examples; "
                            f"found {sorted(seen)}")
    return columns


def _number(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
