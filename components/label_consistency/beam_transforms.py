"""Beam transforms of LabelConsistencyGen (Beam + pyarrow, no TensorFlow): record batches in, report and
consensus rows out. The component's executor and `dcai agreement` both run `ComputeLabelConsistency`.
"""
import bisect
import pickle
from collections import Counter
from itertools import repeat

import apache_beam as beam
from apache_beam.transforms.combiners import SingleInputTupleCombineFn

from components.label_consistency.accumulator import AgreementAccumulator
from components.label_consistency.agreement import sort_key
from components.label_consistency.config import LabelConsistencyConfig
from components.label_consistency.consensus import consensus_row
from components.label_consistency.dawid_skene import fit_dawid_skene, response_counts
from components.label_consistency.boxes import BoxAccumulator, match_boxes, parse_box
from components.label_consistency.items import BadInputError, InvalidLabel, assemble_item, normalize_label
from components.label_consistency.report import build_report
from components.label_consistency.transcripts import TranscriptAccumulator, normalise
from components.hashing import stable_hash
from components.label_consistency.values import column_values, scalar_values

MISSING_ITEM = "\x00missing item id"


def item_parts_from_record_batch(batch, config: LabelConsistencyConfig, source: str = "annotations"):
    """(bucket, pickled (feature names, [part])) per hash bucket of the batch's items: part = (item id,
    [(annotator, label)], row key, feature values, inconsistent), the row key and features of the item's first
    row in (annotator, label) order, inconsistent when the features differ between its rows. A missing column
    is a BadInputError naming it.

    Pickled, the parts cross the GroupByKey as one bytes value each: Beam's in-memory runner would otherwise
    decode, hold (as many small objects) and re-encode every part."""
    names = batch.schema.names
    for column in (config.item_column, config.annotator_column, config.label_column):
        if column not in names:
            raise BadInputError(f"{source}: no column {column!r}; columns are {sorted(names)}")
    columns = {n: batch.column(i) for i, n in enumerate(names)}
    feature_names = tuple(n for n in names if n not in config.label_columns)
    features = zip(*(scalar_values(columns[n]) for n in feature_names)) if feature_names else repeat(())
    labels = [_label(raw, config) for raw in column_values(columns[config.label_column])]
    parts = {}
    for item, annotator, label, row_features in zip(scalar_values(columns[config.item_column]),
                                                     scalar_values(columns[config.annotator_column]), labels,
                                                     features):
        key = MISSING_ITEM if item is None else str(item)
        row_key = (str(annotator), str(label))
        part = parts.get(key)
        if part is None:
            parts[key] = [key, [(annotator, label)], row_key, row_features, False]
            continue
        part[1].append((annotator, label))
        part[4] = part[4] or row_features != part[3]
        if row_key < part[2]:
            part[2], part[3] = row_key, row_features
    buckets = {}
    for key, part in parts.items():
        buckets.setdefault(stable_hash(key) % config.n_buckets, []).append(tuple(part))
    for bucket, bucket_parts in buckets.items():
        yield bucket, pickle.dumps((feature_names, bucket_parts), protocol=pickle.HIGHEST_PROTOCOL)


def _label(value, config):
    if config.kind == "text":
        label = normalize_label(value, config.level, config.label_column)
        return None if isinstance(label, str) and not label.strip() else label  # an empty transcript is missing
    if config.kind != "bbox":
        return normalize_label(value, config.level, config.label_column)
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, bytes) or (isinstance(value, list) and len(value) == 1):
        value = normalize_label(value, "nominal", config.label_column)
    try:
        return parse_box(value, config.label_column)
    except BadInputError:
        return InvalidLabel("malformed_box")


def assemble(item, parts, config: LabelConsistencyConfig) -> dict:
    """One item's (feature names, part) pairs -> {item, labels, flags, dropped, features, n_rows}; rows without
    annotator are dropped. The features come from the item's first row in (annotator, label) order."""
    names, rows, features, inconsistent = _merge_parts(parts)
    if item == MISSING_ITEM:
        return {"item": None, "labels": {}, "flags": [], "dropped": {"missing_item_id": len(rows)}, "features": {},
                "n_rows": len(rows)}
    with_annotator = [row for row in rows if row[0] is not None]
    labels, flags, dropped = assemble_item(with_annotator, config.label_domain, multiple=config.kind == "bbox")
    more_flags = set()
    if inconsistent:
        more_flags.add("inconsistent_features")
    if len(with_annotator) < len(rows):
        dropped = {"missing_annotator": len(rows) - len(with_annotator), **dropped}
        more_flags.add("missing_annotator")
    if more_flags:
        flags = sorted(set(flags) | more_flags)
    return {"item": item, "labels": labels, "flags": flags, "dropped": dropped,
            "features": dict(zip(names, features)), "n_rows": len(rows)}


def _merge_parts(parts) -> tuple:
    """(feature names, rows, first row's features, inconsistent) of one item's (feature names, part) pairs."""
    if len(parts) == 1:
        names, (_, rows, _, features, inconsistent) = parts[0]
        return names, rows, features, inconsistent
    names, first = min(parts, key=lambda named: named[1][2])
    first_values = dict(zip(names, first[3]))
    return (names, [row for _, part in parts for row in part[1]], first[3],
            any(part[4] or _differ(dict(zip(part_names, part[3])), first_values) for part_names, part in parts))


def _differ(values: dict, other: dict) -> bool:
    """Whether two rows' features differ; a column absent from a row's record batch is a missing value there."""
    return any(values.get(name) != other.get(name) for name in values.keys() | other.keys())


def assemble_bucket(keyed, config: LabelConsistencyConfig) -> list:
    """All pickled (feature names, [part]) groups of one hash bucket -> the bucket's assembled items, sorted by
    item id."""
    _, groups = keyed
    by_item = {}
    for names, parts in map(pickle.loads, groups):
        for part in parts:
            by_item.setdefault(part[0], []).append((names, part))
    return [assemble(item, parts, config) for item, parts in sorted(by_item.items())]


class _ListCombineFn(beam.CombineFn):
    """A CombineFn whose inputs are lists of (item, consensus row) pairs (one list per hash bucket)."""

    def add_input(self, acc, pairs):
        for item, row in pairs:
            acc = self.add_item(acc, item, row)
        return acc

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for acc in accumulators:
            merged = self.merge(merged, acc)
        return merged

    def extract_output(self, acc):
        return acc


class AgreementCombineFn(_ListCombineFn):
    """Labelled items -> AgreementAccumulator (classes), TranscriptAccumulator (text) or BoxAccumulator."""

    def __init__(self, config: LabelConsistencyConfig):
        super().__init__()
        self._config = config

    def create_accumulator(self):
        if self._config.kind == "text":
            return TranscriptAccumulator(self._config.text_normalisation)
        if self._config.kind == "bbox":
            return BoxAccumulator(self._config.match_iou)
        return AgreementAccumulator()

    def add_item(self, acc, item, row):
        return acc.add_item(item["item"], item["labels"]) if item["item"] is not None and item["labels"] else acc

    def merge(self, acc, other):
        return acc.merge(other)


class RowAccountingCombineFn(_ListCombineFn):
    """Rows in, rows used, and rows dropped by reason."""

    def create_accumulator(self):
        return Counter()

    def add_item(self, acc, item, row):
        acc["rows_in"] += item["n_rows"]
        acc["items"] += item["item"] is not None
        for reason, count in item["dropped"].items():
            acc["dropped:" + reason] += count
        return acc

    def merge(self, acc, other):
        acc.update(other)
        return acc

    def extract_output(self, acc):
        dropped = {k.split(":", 1)[1]: v for k, v in acc.items() if k.startswith("dropped:")}
        return {"rows_in": acc["rows_in"], "rows_used": acc["rows_in"] - sum(dropped.values()),
                "rows_dropped": dropped, "items": acc["items"]}


class ConsensusSummaryCombineFn(_ListCombineFn):
    """Consensus rows -> flag counts, each annotator's (agreements, labels) with the consensus, and the rows
    with the smallest item ids (for the report)."""

    def __init__(self, config: LabelConsistencyConfig):
        super().__init__()
        self._config = config

    def create_accumulator(self):
        return {"flags": Counter(), "annotators": Counter(), "labels": Counter(), "shown": []}

    def add_item(self, acc, item, row):
        if row is None:
            return acc
        flags, given, agreed = acc["flags"], acc["labels"], acc["annotators"]
        for flag in row["flags"]:
            flags[flag] += 1
        for annotator, label in item["labels"].items():
            given[annotator] += 1
            agreed[annotator] += int(_agrees(label, row["label"], self._config))
        if len(acc["shown"]) <= self._config.max_report_consensus or row["item"] < acc["shown"][-1]["item"]:
            shown = {k: v for k, v in row.items() if k != "features"}
            bisect.insort(acc["shown"], shown, key=lambda r: r["item"])
            del acc["shown"][self._config.max_report_consensus + 1:]
        return acc

    def merge(self, acc, other):
        acc["flags"].update(other["flags"])
        acc["annotators"].update(other["annotators"])
        acc["labels"].update(other["labels"])
        acc["shown"] = sorted(acc["shown"] + other["shown"], key=lambda r: r["item"])
        del acc["shown"][self._config.max_report_consensus + 1:]
        return acc

    def extract_output(self, acc):
        per_annotator = {a: (acc["annotators"][a], n) for a, n in acc["labels"].items()}
        return {"flags": dict(acc["flags"]), "per_annotator": per_annotator, "shown": acc["shown"]}


def _fit_model(sample):
    labelled = [it["labels"] for it in sample]
    if not labelled:
        return None
    classes = sorted({v for labels in labelled for v in labels.values()}, key=sort_key)
    annotators = sorted({a for labels in labelled for a in labels}, key=str)
    return fit_dawid_skene(response_counts(labelled, annotators, classes), classes, annotators)


def _consensus(item, model, config):
    text_rules = config.text_normalisation if config.kind == "text" else None
    match_iou = config.match_iou if config.kind == "bbox" else None
    row = consensus_row(item["item"], item["labels"], item["flags"], model, config.min_confidence, text_rules,
                        match_iou)
    row["features"] = item["features"]
    return row


def _agrees(label, consensus_label, config) -> bool:
    """Whether one annotator's label equals the consensus (texts after normalisation, boxes all matched)."""
    if config.kind == "text":
        return normalise(label, config.text_normalisation) == consensus_label
    if config.kind == "bbox":
        m = match_boxes(label, [parse_box(b) for b in consensus_label.split(";") if b], config.match_iou)
        return not (m["missed"] or m["extra"] or m["class_swaps"])
    return label == consensus_label


class ComputeLabelConsistency(beam.PTransform):
    """Record batches of annotation rows -> {"report": one report dict, "consensus": lists of consensus rows
    (one list per hash bucket; every item is in exactly one list)}."""

    def __init__(self, config: LabelConsistencyConfig, previous_report: dict = None, source: str = "annotations",
                 consensus_location: str = "", examples_diagnostics=None):
        """`examples_diagnostics`: optional PCollection with the one dict of DiagnoseExamples."""
        super().__init__()
        self._diagnostics = examples_diagnostics
        self._config = config
        self._previous = previous_report
        self._source = source
        self._consensus_location = consensus_location

    def expand(self, record_batches):
        config = self._config
        buckets = (record_batches
                   | "ItemParts" >> beam.FlatMap(item_parts_from_record_batch, config, self._source)
                   | "GroupByBucket" >> beam.GroupByKey()
                   | "Assemble" >> beam.Map(assemble_bucket, config))
        model_side = None
        if config.consensus == "dawid_skene":
            model = (buckets
                     | "LabelledItems" >> beam.FlatMap(
                         lambda items: [it for it in items if it["item"] is not None and it["labels"]])
                     | "BoundedSample" >> beam.combiners.Top.Of(config.max_dawid_skene_items,
                                                                key=lambda it: stable_hash(it["item"]))
                     | "FitDawidSkene" >> beam.Map(_fit_model))
            model_side = beam.pvalue.AsSingleton(model)
        consensus = buckets | "Consensus" >> beam.Map(
            lambda items, m: [(it, _consensus(it, m, config) if it["item"] is not None else None) for it in items],
            model_side)
        summaries = consensus | "Summarize" >> beam.CombineGlobally(SingleInputTupleCombineFn(
            AgreementCombineFn(config), RowAccountingCombineFn(), ConsensusSummaryCombineFn(config)))
        rows = consensus | "ConsensusRows" >> beam.Map(lambda pairs: [row for _, row in pairs if row is not None])
        report = summaries | "Report" >> beam.Map(
            _report, config, model_side, self._previous, self._consensus_location,
            beam.pvalue.AsSingleton(self._diagnostics) if self._diagnostics is not None else None)
        return {"report": report, "consensus": rows}


def _report(summaries, config, model, previous, consensus_location, diagnostics):
    stats, accounting, summary = summaries
    return build_report(stats, config, accounting, summary["shown"], summary["per_annotator"], model, previous,
                        summary["flags"], consensus_location, diagnostics)
