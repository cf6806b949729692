"""Beam transforms of LabelConsistencyGen (Beam + pyarrow, no TensorFlow): record batches in, report and
consensus rows out. The component's executor and `dcai agreement` both run `ComputeLabelConsistency`.
"""
import bisect
from collections import Counter

import apache_beam as beam

from components.label_consistency.accumulator import AgreementAccumulator
from components.label_consistency.agreement import sort_key
from components.label_consistency.config import LabelConsistencyConfig
from components.label_consistency.consensus import consensus_row
from components.label_consistency.dawid_skene import fit_dawid_skene, response_counts
from components.label_consistency.boxes import BoxAccumulator, match_boxes, parse_box
from components.label_consistency.items import BadInputError, InvalidLabel, assemble_item, normalize_label
from components.label_consistency.report import build_report
from components.label_consistency.transcripts import TranscriptAccumulator, normalise
from components.label_consistency.values import column_values, scalar, stable_hash

MISSING_ITEM = "\x00missing item id"


def item_parts_from_record_batch(batch, config: LabelConsistencyConfig, source: str = "annotations"):
    """(bucket, [(item id, part)]) per hash bucket of the batch's items: part = {"rows": [(annotator, label)],
    "first": (row key, feature values), "names": feature names, "inconsistent": features differ between rows}.
    A missing column is a BadInputError naming it."""
    names = batch.schema.names
    for column in (config.item_column, config.annotator_column, config.label_column):
        if column not in names:
            raise BadInputError(f"{source}: no column {column!r}; columns are {sorted(names)}")
    columns = {n: column_values(batch.column(i)) for i, n in enumerate(names)}
    feature_names = tuple(n for n in names if n not in config.label_columns)
    feature_rows = list(zip(*(columns[n] for n in feature_names))) if feature_names else [()] * batch.num_rows
    items, annotators = columns[config.item_column], columns[config.annotator_column]
    parts = {}
    for i, raw in enumerate(columns[config.label_column]):
        label = _label(raw, config)
        if config.kind == "text" and isinstance(label, str) and not label.strip():
            label = None  # an empty transcript is a missing label
        item, annotator = scalar(items[i]), scalar(annotators[i])
        key = MISSING_ITEM if item is None else str(item)
        features = tuple(scalar(v) for v in feature_rows[i])
        row_key = (str(annotator), str(label))
        part = parts.get(key)
        if part is None:
            parts[key] = {"rows": [(annotator, label)], "first": (row_key, features), "names": feature_names,
                          "inconsistent": False}
            continue
        part["rows"].append((annotator, label))
        part["inconsistent"] |= features != part["first"][1]
        if row_key < part["first"][0]:
            part["first"] = (row_key, features)
    buckets = {}
    for item, part in parts.items():
        buckets.setdefault(stable_hash(item) % config.n_buckets, []).append((item, part))
    yield from buckets.items()


def _label(value, config):
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


def assemble(keyed, config: LabelConsistencyConfig):
    """One item's parts -> {item, labels, flags, dropped, features, n_rows}; rows without annotator are dropped.
    The features come from the item's first row in (annotator, label) order."""
    item, parts = keyed
    parts = list(parts)
    rows = [row for part in parts for row in part["rows"]]
    dropped = Counter()
    if item == MISSING_ITEM:
        dropped["missing_item_id"] = len(rows)
        return {"item": None, "labels": {}, "flags": [], "dropped": dropped, "features": {}, "n_rows": len(rows)}
    with_annotator = [(a, label) for a, label in rows if a is not None]
    dropped["missing_annotator"] = len(rows) - len(with_annotator)
    labels, flags, more = assemble_item(with_annotator, config.label_domain, multiple=config.kind == "bbox")
    dropped.update(more)
    first = min(parts, key=lambda part: part["first"][0])
    if any(part["inconsistent"] or part["first"][1] != first["first"][1] for part in parts):
        flags = sorted(set(flags) | {"inconsistent_features"})
    if dropped["missing_annotator"]:
        flags = sorted(set(flags) | {"missing_annotator"})
    return {"item": item, "labels": labels, "flags": flags, "dropped": +dropped,
            "features": dict(zip(first["names"], first["first"][1])), "n_rows": len(rows)}


def assemble_bucket(keyed, config: LabelConsistencyConfig) -> list:
    """All [(item, part)] lists of one hash bucket -> the bucket's assembled items, sorted by item id."""
    _, part_lists = keyed
    by_item = {}
    for parts in part_lists:
        for item, part in parts:
            by_item.setdefault(item, []).append(part)
    return [assemble((item, parts), config) for item, parts in sorted(by_item.items())]


class _ListCombineFn(beam.CombineFn):
    """A CombineFn whose inputs are lists of items (one list per hash bucket)."""

    def add_input(self, acc, items):
        for item in items:
            acc = self.add_item(acc, item)
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

    def add_item(self, acc, item):
        return acc.add_item(item["item"], item["labels"]) if item["item"] is not None and item["labels"] else acc

    def merge(self, acc, other):
        return acc.merge(other)


class RowAccountingCombineFn(_ListCombineFn):
    """Rows in, rows used, and rows dropped by reason."""

    def create_accumulator(self):
        return Counter()

    def add_item(self, acc, item):
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

    def add_item(self, acc, pair):
        row, labels = pair
        acc["flags"].update(row["flags"])
        for annotator, label in labels.items():
            acc["labels"][annotator] += 1
            acc["annotators"][annotator] += int(_agrees(label, row["label"], self._config))
        shown = {k: v for k, v in row.items() if k != "features"}
        if len(acc["shown"]) <= self._config.max_report_consensus or shown["item"] < acc["shown"][-1]["item"]:
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
        stats = buckets | "Agreement" >> beam.CombineGlobally(AgreementCombineFn(config))
        accounting = buckets | "RowAccounting" >> beam.CombineGlobally(RowAccountingCombineFn())
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
            lambda items, m: [(_consensus(it, m, config), it["labels"]) for it in items if it["item"] is not None],
            model_side)
        summary = consensus | "ConsensusSummary" >> beam.CombineGlobally(ConsensusSummaryCombineFn(config))
        rows = consensus | "ConsensusRows" >> beam.Map(lambda pairs: [row for row, _ in pairs])
        report = stats | "Report" >> beam.Map(
            _report, config, beam.pvalue.AsSingleton(accounting), beam.pvalue.AsSingleton(summary), model_side,
            self._previous, self._consensus_location,
            beam.pvalue.AsSingleton(self._diagnostics) if self._diagnostics is not None else None)
        return {"report": report, "consensus": rows}


def _report(stats, config, accounting, summary, model, previous, consensus_location, diagnostics):
    return build_report(stats, config, accounting, summary["shown"], summary["per_annotator"], model, previous,
                        summary["flags"], consensus_location, diagnostics)
