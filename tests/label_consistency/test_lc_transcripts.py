"""Transcript agreement: WER/CER worked examples, rule attribution, alpha on transcripts (no TensorFlow)."""
import pytest

from tfx_dcai.label_consistency.api import krippendorff_alpha
from tfx_dcai.label_consistency.transcripts import (TranscriptAccumulator, edit_distance, medoid_transcript,
                                                      normalise, summarize_transcripts, wer)


def test_edit_distance_and_wer_worked_examples():
    assert edit_distance("kitten", "sitting") == 3  # the textbook Levenshtein example
    assert wer("the cat sat on the mat", "the cat sit on mat") == pytest.approx(2 / 6)  # 1 substitution, 1 deletion
    assert edit_distance("flaw".split(), "flaw".split()) == 0


def test_normalisation_rules():
    assert normalise("Um, I think... so", ["fillers", "punctuation", "case"]) == "i think so"
    assert normalise("don't STOP", ["punctuation", "case"]) == "don't stop"


def _fillers_example():
    acc = TranscriptAccumulator(rules=("whitespace",))
    for i in range(10):
        a = "um I will call you back" if i < 6 else "I will call you back."
        b = "I will call you back" if i < 9 else "we will call you back"
        acc.add_item(f"clip{i}", {"A": a, "B": b})
    return acc


def test_attribution_names_who_writes_fillers():
    summary = summarize_transcripts(_fillers_example())
    # 6 clips differ by "um", 3 by a final ".", 1 by content ("I" vs "we", plus ".")
    assert summary["n_disagreements"] == 10
    top = summary["attribution"][0]
    assert (top["rule"], top["writer"], top["dropper"], top["count"]) == ("fillers", "A", "B", 6)
    assert summary["findings"][0].startswith("annotator A writes fillers, B drops them: 60% of disagreements")
    assert {"rule": "punctuation", "writer": "A", "dropper": "B", "count": 3, "share": 0.3} in summary["attribution"]


def test_pooled_wer_and_merge_equal_single_pass():
    whole = _fillers_example()
    left, right = TranscriptAccumulator(), TranscriptAccumulator()
    for i in range(10):
        a = "um I will call you back" if i < 6 else "I will call you back."
        b = "I will call you back" if i < 9 else "we will call you back"
        (left if i % 2 else right).add_item(f"clip{i}", {"A": a, "B": b})
    merged = summarize_transcripts(left.merge(right))
    assert merged["pairwise"][0]["wer"] == pytest.approx(summarize_transcripts(whole)["pairwise"][0]["wer"])
    # word edits: 6 clips x 1 ("um"), 3 x 1 ("back." vs "back"), 1 x 2 -> 11 over 5.5*6+5*4 words
    assert merged["pairwise"][0]["wer"] == pytest.approx(11 / (5.5 * 6 + 5 * 4))


def test_transcript_alpha_equals_nominal_alpha_on_texts():
    texts = {"A": ["a b", "c", "d e", "f"], "B": ["a b", "c", "d", "g"], "C": ["a b", "x", "d e", "f"]}
    acc = TranscriptAccumulator()
    for i in range(4):
        acc.add_item(i, {a: texts[a][i] for a in texts})
    assert acc.alpha() == pytest.approx(krippendorff_alpha([texts[a] for a in texts]))


def test_medoid_transcript():
    text, share = medoid_transcript({"A": "hello  world", "B": "hello world", "C": "hello word"}, ["whitespace"])
    assert (text, share) == ("hello world", pytest.approx(2 / 3))
