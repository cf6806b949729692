"""Simulated labelers for the taxi pipeline's label-consistency branch (deterministic, no randomness state).

Three labelers (A, B, C) label 1,000 taxi trips as `big_tipper` (1 or 0) after reading the labelling
instructions; they see the trip including `tips` and `fare`.

- Instructions "v1" say: "a big tipper tips around 20% of the fare or more". The boundary is ambiguous and
  each labeler reads it differently: A labels 1 when tips > 20% of the fare, B when tips >= 18% ("around 20%"),
  C when tips > 25% ("clearly more than 20%"). Each labeler also slips (flips the label) on 2% of trips.
- Instructions "v2" (revised after the v1 report) say: "big_tipper is 1 exactly when tips > 20% of the fare
  as recorded; cash trips without a recorded tip are 0". All three apply that rule; slips fall to 1%.

Trips are the `n_items` labelled trips with the smallest SHA-256 of their tf.Example serialized canonically
(tfx_dcai.tf_example.canonical_bytes: whatever bytes, file layout or row order the input has); slips are decided
by a hash of (trip, labeler, instructions), so every run, runner and machine produces the same labels.
"""
from tfx_dcai.hashing import hash64, unit_hash

LABEL = "big_tipper"
LABELERS = ("A", "B", "C")
INSTRUCTIONS = {
    "v1": {"rules": {"A": (">", 0.20), "B": (">=", 0.18), "C": (">", 0.25)}, "slip_rate": 0.02},
    "v2": {"rules": {"A": (">", 0.20), "B": (">", 0.20), "C": (">", 0.20)}, "slip_rate": 0.01},
}


def labeler_label(tips: float, fare: float, labeler: str, instructions_version: str, item_id: str) -> int:
    """What one simulated labeler answers for one trip under the given instructions."""
    if instructions_version not in INSTRUCTIONS:
        raise ValueError(f"unknown instructions_version {instructions_version!r}; known: {sorted(INSTRUCTIONS)}")
    spec = INSTRUCTIONS[instructions_version]
    op, share = spec["rules"][labeler]
    label = int(tips > share * fare) if op == ">" else int(tips >= share * fare)
    if unit_hash(item_id, labeler, instructions_version) < spec["slip_rate"]:
        label = 1 - label
    return label


def choose_trips(records, n_items: int) -> list:
    """[(item_id, features)] of the n_items labelled trips with the smallest content hash.

    Args:
      records: (serialized bytes, features dict) pairs; only the features are hashed (canonical_bytes).
      n_items: how many trips.

    Returns:
      The chosen trips in hash order, item ids `trip-<hash>`.
    """
    from tfx_dcai.tf_example import canonical_bytes

    chosen = []
    for _, features in records:
        if not features.get("tips") or not features.get("fare"):
            continue
        chosen.append((f"{hash64(canonical_bytes(features)):016x}", features))
    chosen.sort(key=lambda pair: pair[0])
    return [(f"trip-{digest}", features) for digest, features in chosen[:n_items]]


def annotation_rows(trips, instructions_version: str):
    """Long-format annotation rows: the trip's features, item_id, annotator_id and the labeler's big_tipper."""
    for item_id, features in trips:
        base = {name: values for name, values in features.items() if name != LABEL}
        tips, fare = features["tips"][0], features["fare"][0]
        for labeler in LABELERS:
            row = dict(base)
            row["item_id"] = [item_id]
            row["annotator_id"] = [labeler]
            row[LABEL] = [labeler_label(tips, fare, labeler, instructions_version, item_id)]
            yield row
