"""LabelConsistencyGen's executor vs StatisticsGen's executor over the same annotation rows (same Beam runner).

    .venv/bin/python benchmarks/label_consistency/bench_vs_statisticsgen.py --items 30000
Both run alternately after one warm-up run each; prints each repeat, then one line: rows, ours (median s),
StatisticsGen (median s), ratio (target <= 1).
"""
import argparse
import gc
import json
import os
import statistics
import tempfile
import time

import numpy as np
import tensorflow as tf
from tfx.components.statistics_gen.executor import Executor as StatisticsGenExecutor
from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
from tfx.types import artifact_utils, standard_artifacts

from tfx_dcai.artifacts import LabelConsistencyBlessing, LabelConsistencyReport
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.executor import Executor as LabelConsistencyExecutor
from tfx_dcai.tf_records import encode_rows
from tfx_dcai.beam_options import LOCAL_BEAM_ARGS  # noqa: E402

BEAM_ARGS = list(LOCAL_BEAM_ARGS)


def annotation_examples(root: str, n_items: int) -> standard_artifacts.Examples:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, n_items)
    artifact = standard_artifacts.Examples()
    artifact.uri = os.path.join(root, "annotations")
    artifact.split_names = artifact_utils.encode_split_names(["train"])
    os.makedirs(os.path.join(artifact.uri, "Split-train"))
    rows = []
    for i in range(n_items):
        for annotator in ("A", "B", "C"):
            label = int(truth[i]) if rng.random() < 0.85 else int(rng.integers(0, 4))
            rows.append({"item_id": f"item{i}", "annotator_id": annotator, "label": label,
                         "fare": float(rng.gamma(2.0, 5.0)), "company": f"c{i % 40}"})
    with tf.io.TFRecordWriter(os.path.join(artifact.uri, "Split-train", "rows.gz"), options="GZIP") as writer:
        for example in encode_rows(rows):
            writer.write(example)
    return artifact


def run_ours(root, examples, k):
    outputs = {"report": [LabelConsistencyReport()], "consensus_examples": [standard_artifacts.Examples()],
               "blessing": [LabelConsistencyBlessing()]}
    for key, (artifact,) in outputs.items():
        artifact.uri = os.path.join(root, f"ours{k}", key)
    props = {"config": LabelConsistencyConfig().to_json()}  # the defaults: 1000 bootstrap resamples, majority vote
    LabelConsistencyExecutor(BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=root,
                                                      unique_id=f"ours{k}")).Do({"annotations": [examples]}, outputs,
                                                                                props)


def run_statistics_gen(root, examples, k):
    stats = standard_artifacts.ExampleStatistics()
    stats.uri = os.path.join(root, f"stats{k}")
    StatisticsGenExecutor(BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=root)).Do(
        {"examples": [examples]}, {"statistics": [stats]}, {"exclude_splits": json.dumps([])})


def seconds(fn, k) -> float:
    gc.collect()  # each run starts from a collected heap: neither pays for the other's garbage
    start = time.perf_counter()
    fn(k)
    return time.perf_counter() - start


def compare(n_items: int, repeats: int) -> tuple:
    """Median seconds of (ours, StatisticsGen), the two run alternately so that both see the same machine load."""
    with tempfile.TemporaryDirectory() as root:
        examples = annotation_examples(root, n_items)
        run_statistics_gen(root, examples, "warmup")  # imports and set-up of both outside the timings
        run_ours(root, examples, "warmup")
        ours, anchor = [], []
        for k in range(repeats):
            ours.append(seconds(lambda i: run_ours(root, examples, i), k))
            anchor.append(seconds(lambda i: run_statistics_gen(root, examples, i), k))
            print(f"  repeat {k + 1}: ours {ours[-1]:.2f}s, StatisticsGen {anchor[-1]:.2f}s", flush=True)
    return statistics.median(ours), statistics.median(anchor)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=30000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ours, anchor = compare(args.items, args.repeats)
    print(f"LabelConsistencyGen vs StatisticsGen on {3 * args.items} annotation rows: ours {ours:.2f}s, "
          f"StatisticsGen {anchor:.2f}s, ratio {ours / anchor:.2f}")


if __name__ == "__main__":
    main()
