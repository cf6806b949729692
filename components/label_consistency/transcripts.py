"""Transcript agreement: WER/CER between annotators, and which normalisation rule explains the disagreements.

Conventions: WER and CER between two annotators are edit distances (Levenshtein: substitutions, insertions,
deletions, each cost 1) over words / characters divided by the mean length of the two transcripts, so they
are symmetric; pooled over items as sum(edits) / sum(mean lengths). Transcripts are compared after the
configured normalisation rules. A disagreement (normalised transcripts differ) is "explained" by a further
rule when applying that rule alone to both transcripts makes them equal; the annotator whose transcript the
rule changes is the one who "writes" what the rule removes (fillers, punctuation, capitals).
"""
import re
from collections import Counter, defaultdict
from itertools import combinations

from tfx_dcai.hashing import stable_hash
from tfx_dcai.label_consistency.accumulator import keep_smallest

FILLERS = ("um", "uh", "er", "erm", "ah", "hmm", "mm")
_FILLER_RE = re.compile(r"\b(?:" + "|".join(FILLERS) + r")\b[,.]?", re.IGNORECASE)
_PUNCTUATION_RE = re.compile(r"[^\w\s']|(?<!\w)'|'(?!\w)")
RULES = {
    "whitespace": lambda text: " ".join(text.split()),
    "case": lambda text: text.lower(),
    "punctuation": lambda text: " ".join(_PUNCTUATION_RE.sub(" ", text).split()),
    "fillers": lambda text: " ".join(_FILLER_RE.sub(" ", text).split()),
}
RULE_NOUNS = {"case": "capitals", "punctuation": "punctuation", "fillers": "fillers", "whitespace": "extra spaces"}


def normalise(text: str, rules) -> str:
    for rule in rules:
        text = RULES[rule](text)
    return text


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (strings or lists of words)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str) -> float:
    """Classic word error rate: word edits / words of the reference."""
    ref = reference.split()
    return edit_distance(ref, hypothesis.split()) / len(ref) if ref else float(bool(hypothesis.split()))


def _text_key(text: str) -> int:
    return stable_hash(text)


class TranscriptAccumulator:
    """Combinable statistics of transcripts: per annotator pair edits and explained disagreements."""

    def __init__(self, rules=("whitespace",), max_examples: int = 5):
        self.rules = tuple(rules)
        self.candidates = [r for r in RULES if r not in self.rules]
        self.max_examples = max_examples
        self.n_items = 0
        self.n_single_label_items = 0
        self.annotator_labels = Counter()
        self.pairs = defaultdict(Counter)      # (a, b) -> items, word_edits, words, char_edits, chars, disagreements
        self.explained = Counter()             # (rule, writer, dropper) -> disagreements explained
        self.examples = defaultdict(list)      # (a, b) -> smallest ids of items with a disagreement
        self.value_counts = Counter()          # normalised transcript key -> pairable values (for alpha)
        self.off_diagonal = 0.0                # sum over items of disagreeing coincidences

    def add_item(self, item_id, labels: dict) -> "TranscriptAccumulator":
        self.n_items += 1
        self.annotator_labels.update(labels.keys())
        texts = {a: normalise(t, self.rules) for a, t in labels.items()}
        if len(texts) < 2:
            self.n_single_label_items += 1
            return self
        keys = Counter(_text_key(t) for t in texts.values())
        self.value_counts.update(keys)
        m = len(texts)
        self.off_diagonal += (m * m - sum(c * c for c in keys.values())) / (m - 1)
        for a, b in combinations(sorted(texts, key=str), 2):
            self._add_pair(item_id, a, b, texts[a], texts[b])
        return self

    def _add_pair(self, item_id, a, b, ta, tb):
        stats = self.pairs[(a, b)]
        stats["items"] += 1
        stats["word_edits"] += edit_distance(ta.split(), tb.split())
        stats["words"] += (len(ta.split()) + len(tb.split())) / 2
        stats["char_edits"] += edit_distance(ta, tb)
        stats["chars"] += (len(ta) + len(tb)) / 2
        if ta == tb:
            return
        stats["disagreements"] += 1
        keep_smallest(self.examples[(a, b)], str(item_id), self.max_examples)
        for rule in self.candidates:
            na, nb = RULES[rule](ta), RULES[rule](tb)
            if na == nb:
                writer, dropper = (a, b) if na != ta else (b, a)
                self.explained[(rule, writer, dropper)] += 1

    def merge(self, other: "TranscriptAccumulator") -> "TranscriptAccumulator":
        self.n_items += other.n_items
        self.n_single_label_items += other.n_single_label_items
        self.annotator_labels.update(other.annotator_labels)
        for pair, stats in other.pairs.items():
            self.pairs[pair].update(stats)
        self.explained.update(other.explained)
        for pair, items in other.examples.items():
            for item_id in items:
                keep_smallest(self.examples[pair], item_id, self.max_examples)
        self.value_counts.update(other.value_counts)
        self.off_diagonal += other.off_diagonal
        return self

    def alpha(self) -> float:
        """Nominal Krippendorff's alpha on the normalised transcripts (exact match, chance-corrected)."""
        n = sum(self.value_counts.values())
        expected = n * n - sum(c * c for c in self.value_counts.values())
        return 1.0 - (n - 1) * self.off_diagonal / expected if expected else float("nan")


def summarize_transcripts(acc: TranscriptAccumulator) -> dict:
    pairwise, findings = [], []
    total_disagreements = sum(s["disagreements"] for s in acc.pairs.values())
    for (a, b), s in sorted(acc.pairs.items(), key=lambda kv: tuple(map(str, kv[0]))):
        pairwise.append({"annotators": [a, b], "n_items": s["items"],
                         "wer": s["word_edits"] / s["words"] if s["words"] else 0.0,
                         "cer": s["char_edits"] / s["chars"] if s["chars"] else 0.0,
                         "n_disagreements": s["disagreements"], "example_items": acc.examples[(a, b)]})
    attribution = []
    for (rule, writer, dropper), count in acc.explained.most_common():
        share = count / total_disagreements
        attribution.append({"rule": rule, "writer": writer, "dropper": dropper, "count": count, "share": share})
        findings.append(f"annotator {writer} writes {RULE_NOUNS[rule]}, {dropper} drops them: {share:.0%} of "
                        f"disagreements (normalise {rule} or make the instructions say which is right)")
    return {"normalisation": list(acc.rules), "pairwise": pairwise, "attribution": attribution,
            "n_disagreements": total_disagreements, "findings": findings}


def medoid_transcript(labels: dict, rules) -> tuple:
    """(consensus transcript, share of annotators whose normalised transcript equals it)."""
    texts = {a: normalise(t, rules) for a, t in labels.items()}
    best = min(sorted(set(texts.values())),
               key=lambda t: sum(edit_distance(t, other) for other in texts.values()))
    return best, sum(t == best for t in texts.values()) / len(texts)
