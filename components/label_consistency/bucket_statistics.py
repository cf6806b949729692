"""Per-bucket statistics and their merges, as plain functions (no Beam): the one implementation that the Beam
transforms (beam_agreement.py) and the in-memory API (api.agreement_report) both run.

Each summary has create / add_bucket / merge / extract steps over `buckets.Bucket`s that carry their consensus:
- agreement: an AgreementAccumulator (classes), TranscriptAccumulator (text) or BoxAccumulator (bbox);
- row accounting: rows in, rows used, rows dropped by reason, items;
- consensus summary: flag counts, each annotator's agreement with the consensus, the rows with the smallest ids.
"""
from collections import Counter

from tfx_dcai.label_consistency.accumulator import AgreementAccumulator
from tfx_dcai.label_consistency.boxes import BoxAccumulator, match_boxes, parse_box
from tfx_dcai.label_consistency.consensus import ConsensusColumns, consensus_row
from tfx_dcai.label_consistency.dawid_skene import fit_dawid_skene, response_counts
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.report import build_report
from tfx_dcai.label_consistency.summary import free_text_finding
from tfx_dcai.label_consistency.transcripts import TranscriptAccumulator, normalise
from tfx_dcai.predictions import label_sort_key


class AgreementSummary:
    """Labelled items -> the agreement accumulator of the config's kind."""

    def __init__(self, config):
        self._config = config

    def create(self):
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

    @staticmethod
    def merge(acc, other):
        return acc.merge(other)

    @staticmethod
    def extract(acc):
        return acc


class RowAccounting:
    """Rows in, rows used, rows dropped by reason, and items."""

    @staticmethod
    def create():
        return Counter()

    @staticmethod
    def add_bucket(acc, bucket):
        acc["rows_in"] += bucket.votes.n_rows
        acc["items"] += bucket.votes.n_items
        for item in bucket.items:
            acc["rows_in"] += item["n_rows"]
            acc["items"] += item["item"] is not None
            for reason, count in item["dropped"].items():
                acc["dropped:" + reason] += count
        return acc

    @staticmethod
    def merge(acc, other):
        acc.update(other)
        return acc

    @staticmethod
    def extract(acc):
        dropped = {k.split(":", 1)[1]: v for k, v in sorted(acc.items()) if k.startswith("dropped:")}
        return {"rows_in": acc["rows_in"], "rows_used": acc["rows_in"] - sum(dropped.values()),
                "rows_dropped": dropped, "items": acc["items"]}


class ConsensusSummary:
    """Consensus rows -> flag counts, each annotator's (agreements, labels) with the consensus, and the rows with
    the smallest item ids (for the report)."""

    def __init__(self, config):
        self._config = config

    @staticmethod
    def create():
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
                acc["annotators"][annotator] += int(agrees(label, consensus.labels[k], self._config))
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

    @staticmethod
    def extract(acc):
        per_annotator = {a: (acc["annotators"][a], n) for a, n in acc["labels"].items()}
        return {"flags": dict(acc["flags"]), "per_annotator": per_annotator, "shown": acc["shown"]}


def summaries(config) -> tuple:
    """The three summaries, in the order report_from takes their outputs."""
    return AgreementSummary(config), RowAccounting(), ConsensusSummary(config)


def labelled_items(bucket):
    """The item-by-item entries of a bucket that have an id and labels (Dawid-Skene's sample)."""
    return [it for it in bucket.items if it["item"] is not None and it["labels"]]


def fit_model(sample, config=None):
    """A Dawid-Skene model fitted on a sample of labelled items, or None when there is none.

    Raises:
      BadInputError: the labels look like free text (more than max_classes distinct labels).
    """
    labelled = [it["labels"] for it in sample]
    if not labelled:
        return None
    classes = sorted({v for labels in labelled for v in labels.values()}, key=label_sort_key)
    if config is not None and len(classes) > config.max_classes:
        raise BadInputError(f"consensus dawid_skene needs class labels, but the {free_text_finding(len(classes), len(labelled), config.max_classes).split(';')[0]}: use consensus majority")  # noqa: E501
    annotators = sorted({a for labels in labelled for a in labels}, key=str)
    return fit_dawid_skene(response_counts(labelled, annotators, classes), classes, annotators)


def with_consensus(bucket, model, config):
    """The bucket with its ConsensusColumns (items without id get an empty entry)."""
    text_rules = config.text_normalisation if config.kind == "text" else None
    match_iou = config.match_iou if config.kind == "bbox" else None
    rows = [None if it["item"] is None else consensus_row(it["item"], it["labels"], it["flags"], model,
                                                          config.min_confidence, text_rules, match_iou)
            for it in bucket.items]
    return bucket.with_consensus(bucket.votes.majority(config.min_confidence) + ConsensusColumns.from_rows(rows))


def agrees(label, consensus_label, config) -> bool:
    """Whether one annotator's label equals the consensus (texts after normalisation, boxes all matched)."""
    if config.kind == "text":
        return normalise(label, config.text_normalisation) == consensus_label
    if config.kind == "bbox":
        m = match_boxes(label, [parse_box(b) for b in consensus_label.split(";") if b], config.match_iou)
        return not (m["missed"] or m["extra"] or m["class_swaps"])
    return label == consensus_label


def report_from(outputs, config, model, previous, consensus_location, diagnostics):
    """The report dict from the three summaries' outputs (see build_report)."""
    stats, accounting, summary = outputs
    return build_report(stats, config, accounting, summary["shown"], summary["per_annotator"], model, previous,
                        summary["flags"], consensus_location, diagnostics)
