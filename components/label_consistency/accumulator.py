"""The combinable sufficient statistics of a multi-annotator label table.

One `AgreementAccumulator` absorbs items (an item id and its {annotator: label}) and merges with others
(Beam's CombineFn uses exactly add_item / merge). Its size grows with the number of distinct unit profiles,
annotator pairs and label pairs, not with the number of items.
"""
import bisect
from collections import Counter, defaultdict
from itertools import combinations

from tfx_dcai.label_consistency.agreement import unit_profile
from tfx_dcai.predictions import label_sort_key

MAX_CACHED_PATTERNS = 10000


def keep_smallest(item_ids: list, item_id: str, limit: int) -> None:
    """Insert item_id into the sorted list item_ids, keeping its `limit` smallest ids: example items that do not
    depend on the order in which items arrive."""
    if len(item_ids) < limit or item_id < item_ids[-1]:
        bisect.insort(item_ids, item_id)
        del item_ids[limit:]


def label_pair(x, y) -> tuple:
    """An unordered pair of labels in canonical order."""
    return (x, y) if label_sort_key(x) <= label_sort_key(y) else (y, x)


class AgreementAccumulator:
    def __init__(self, max_examples: int = 5):
        self.max_examples = max_examples
        self.n_items = 0
        self.n_single_label_items = 0
        self.profiles = Counter()                 # unit profile -> number of units
        self.pair_tables = defaultdict(Counter)   # (annotator a, annotator b) -> Counter((label a, label b))
        self.class_items = Counter()              # label -> items where at least one annotator gave it
        self.confusion_items = Counter()          # (x, y) -> items where one annotator gave x, another y
        self.confusion_examples = defaultdict(list)  # (x, y) -> smallest item ids, at most max_examples
        self.annotator_labels = Counter()         # annotator -> labels given
        self._terms = {}                          # see _item_terms

    def add_item(self, item_id, labels: dict) -> "AgreementAccumulator":
        """Absorb one item: {annotator: label} with one label per annotator."""
        self.n_items += 1
        profile, label_pairs, distinct, confusions = self._item_terms(labels)
        self.profiles[profile] += 1
        if len(labels) < 2:
            self.n_single_label_items += 1
        for annotator in labels:
            self.annotator_labels[annotator] += 1
        for annotators, pair in label_pairs:
            self.pair_tables[annotators][pair] += 1
        for value in distinct:
            self.class_items[value] += 1
        for pair in confusions:
            self.confusion_items[pair] += 1
            keep_smallest(self.confusion_examples[pair], str(item_id), self.max_examples)
        return self

    def _item_terms(self, labels: dict) -> tuple:
        """(unit profile, [((annotator a, b), (label a, b))], distinct labels, label confusions) of an item, cached
        by its (annotator, label) pairs and their types: items repeat a few patterns."""
        key = (tuple(labels.items()), tuple(map(type, labels)), tuple(map(type, labels.values())))
        terms = self._terms.get(key)
        if terms is None:
            annotators = sorted(labels, key=str)
            distinct = sorted(set(labels.values()), key=label_sort_key)
            terms = (unit_profile(labels.values()),
                     [((a, b), (labels[a], labels[b])) for a, b in combinations(annotators, 2)],
                     distinct, list(combinations(distinct, 2)))
            if len(self._terms) < MAX_CACHED_PATTERNS:
                self._terms[key] = terms
        return terms

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_terms"}

    def __setstate__(self, state: dict):
        self.__dict__.update(state, _terms={})

    def merge(self, other: "AgreementAccumulator") -> "AgreementAccumulator":
        self.n_items += other.n_items
        self.n_single_label_items += other.n_single_label_items
        self.profiles.update(other.profiles)
        for pair, table in other.pair_tables.items():
            self.pair_tables[pair].update(table)
        self.class_items.update(other.class_items)
        self.confusion_items.update(other.confusion_items)
        for pair, items in other.confusion_examples.items():
            for item_id in items:
                keep_smallest(self.confusion_examples[pair], item_id, self.max_examples)
        self.annotator_labels.update(other.annotator_labels)
        return self

    def values(self) -> list:
        """All label values seen, in canonical order."""
        return sorted({v for profile in self.profiles for v, _ in profile}, key=label_sort_key)
