"""Beam transforms of LabelConsistencyGen (Beam + pyarrow, no TensorFlow): record batches in, report and
consensus rows out. The component's executor and `dcai agreement` both run `ComputeLabelConsistency`.
"""
from collections import Counter

import apache_beam as beam
from apache_beam.transforms.combiners import SingleInputTupleCombineFn

from tfx_dcai.label_consistency.accumulator import AgreementAccumulator
from tfx_dcai.label_consistency.agreement import sort_key
from tfx_dcai.label_consistency.buckets import assemble_bucket, rows_by_bucket
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.consensus import ConsensusColumns, consensus_row
from tfx_dcai.label_consistency.dawid_skene import fit_dawid_skene, response_counts
from tfx_dcai.label_consistency.boxes import BoxAccumulator, match_boxes, parse_box
from tfx_dcai.label_consistency.report import build_report
from tfx_dcai.label_consistency.transcripts import TranscriptAccumulator, normalise
from tfx_dcai.gc_pause import collector_paused
from tfx_dcai.hashing import stable_hash

class _BucketCombineFn(beam.CombineFn):
    """A CombineFn whose inputs are Buckets with their consensus: add_bucket takes one."""

    @collector_paused()
    def add_input(self, acc, bucket):
        return self.add_bucket(acc, bucket)

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for acc in accumulators:
            merged = self.merge(merged, acc)
        return merged

    def extract_output(self, acc):
        return acc


class AgreementCombineFn(_BucketCombineFn):
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

    def add_bucket(self, acc, bucket):
        if bucket.votes.n_items:
            acc = acc.merge(bucket.votes.agreement())
        for item in bucket.items:
            if item["item"] is not None and item["labels"]:
                acc = acc.add_item(item["item"], item["labels"])
        return acc

    def merge(self, acc, other):
        return acc.merge(other)


class RowAccountingCombineFn(_BucketCombineFn):
    """Rows in, rows used, and rows dropped by reason."""

    def create_accumulator(self):
        return Counter()

    def add_bucket(self, acc, bucket):
        acc["rows_in"] += bucket.votes.n_rows
        acc["items"] += bucket.votes.n_items
        for item in bucket.items:
            acc["rows_in"] += item["n_rows"]
            acc["items"] += item["item"] is not None
            for reason, count in item["dropped"].items():
                acc["dropped:" + reason] += count
        return acc

    def merge(self, acc, other):
        acc.update(other)
        return acc

    def extract_output(self, acc):
        dropped = {k.split(":", 1)[1]: v for k, v in sorted(acc.items()) if k.startswith("dropped:")}
        return {"rows_in": acc["rows_in"], "rows_used": acc["rows_in"] - sum(dropped.values()),
                "rows_dropped": dropped, "items": acc["items"]}


class ConsensusSummaryCombineFn(_BucketCombineFn):
    """Consensus rows -> flag counts, each annotator's (agreements, labels) with the consensus, and the rows
    with the smallest item ids (for the report)."""

    def __init__(self, config: LabelConsistencyConfig):
        super().__init__()
        self._config = config

    def create_accumulator(self):
        return {"flags": Counter(), "annotators": Counter(), "labels": Counter(), "shown": []}

    def add_bucket(self, acc, bucket):
        consensus = bucket.consensus
        for flags, count in Counter(consensus.flags).items():
            for flag in flags:
                acc["flags"][flag] += count
        votes = bucket.votes
        for annotator, (agreed, given) in votes.annotator_agreement(consensus.labels[:votes.n_items]).items():
            acc["annotators"][annotator] += agreed
            acc["labels"][annotator] += given
        for k, item in enumerate(bucket.items, start=votes.n_items):
            for annotator, label in item["labels"].items():
                acc["labels"][annotator] += 1
                acc["annotators"][annotator] += int(_agrees(label, consensus.labels[k], self._config))
        shown = self._config.max_report_consensus + 1  # each part of the bucket is in id order: its first rows
        candidates = [*range(min(shown, votes.n_items)), *range(votes.n_items, len(consensus))[:shown]]
        acc["shown"] = self._first(acc["shown"] + [consensus.row(k) for k in candidates
                                                    if consensus.items[k] is not None])
        return acc

    def merge(self, acc, other):
        acc["flags"].update(other["flags"])
        acc["annotators"].update(other["annotators"])
        acc["labels"].update(other["labels"])
        acc["shown"] = self._first(acc["shown"] + other["shown"])
        return acc

    def _first(self, rows: list) -> list:
        """The rows with the smallest item ids, one more than the report shows (so it knows there are more)."""
        return sorted(rows, key=lambda r: r["item"])[:self._config.max_report_consensus + 1]

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


@collector_paused()
def _with_consensus(bucket, model, config):
    """The bucket with its ConsensusColumns (items without id get an empty entry)."""
    text_rules = config.text_normalisation if config.kind == "text" else None
    match_iou = config.match_iou if config.kind == "bbox" else None
    rows = [None if it["item"] is None else consensus_row(it["item"], it["labels"], it["flags"], model,
                                                          config.min_confidence, text_rules, match_iou)
            for it in bucket.items]
    return bucket.with_consensus(bucket.votes.majority(config.min_confidence) + ConsensusColumns.from_rows(rows))


def _agrees(label, consensus_label, config) -> bool:
    """Whether one annotator's label equals the consensus (texts after normalisation, boxes all matched)."""
    if config.kind == "text":
        return normalise(label, config.text_normalisation) == consensus_label
    if config.kind == "bbox":
        m = match_boxes(label, [parse_box(b) for b in consensus_label.split(";") if b], config.match_iou)
        return not (m["missed"] or m["extra"] or m["class_swaps"])
    return label == consensus_label


class ComputeLabelConsistency(beam.PTransform):
    """Record batches of annotation rows -> {"report": one report dict, "consensus": Buckets with their consensus
    rows (every item is in exactly one Bucket)}."""

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
                   | "RowsByBucket" >> beam.FlatMap(rows_by_bucket, config, self._source)
                   | "GroupByBucket" >> beam.GroupByKey()
                   | "Assemble" >> beam.Map(assemble_bucket, config))
        model_side = None
        if config.consensus == "dawid_skene":
            model = (buckets
                     | "LabelledItems" >> beam.FlatMap(
                         lambda bucket: [it for it in bucket.items if it["item"] is not None and it["labels"]])
                     | "BoundedSample" >> beam.combiners.Top.Of(config.max_dawid_skene_items,
                                                                key=lambda it: stable_hash(it["item"]))
                     | "FitDawidSkene" >> beam.Map(_fit_model))
            model_side = beam.pvalue.AsSingleton(model)
        consensus = buckets | "Consensus" >> beam.Map(_with_consensus, model_side, config)
        summaries = consensus | "Summarize" >> beam.CombineGlobally(SingleInputTupleCombineFn(
            AgreementCombineFn(config), RowAccountingCombineFn(), ConsensusSummaryCombineFn(config)))
        report = summaries | "Report" >> beam.Map(
            _report, config, model_side, self._previous, self._consensus_location,
            beam.pvalue.AsSingleton(self._diagnostics) if self._diagnostics is not None else None)
        return {"report": report, "consensus": consensus}


def _report(summaries, config, model, previous, consensus_location, diagnostics):
    stats, accounting, summary = summaries
    return build_report(stats, config, accounting, summary["shown"], summary["per_annotator"], model, previous,
                        summary["flags"], consensus_location, diagnostics)
