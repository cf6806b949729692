"""How much of the AUC drop on 2015-16 trips the retraining branch recovers (issue 13 (c)), on the bundled trips.

Runs the taxi pipeline (LocalDagRunner, DirectRunner) with the drift and retraining branches only
(pipelines/retraining_branch.py) on `--data-fraction` of the 15,000 trips, then reads from ML Metadata:
- the drop: DriftValidator's concept drift, the model's AUC on the 2013-14 eval split (baseline) vs on the labelled
  2015-16 feedback (current);
- the recovery: Evaluator.retrained's AUC of the current and the retrained model on the feedback's held-out 1/3
  (never trained on), and whether the retrained model was blessed and pushed.
Recovered share = (retrained - current) / (baseline - current), holdout AUCs against the eval-split baseline; the
holdout is a hash share of the same 2015-16 period, not a later one. One run; prints one table.

    nice .venv/bin/python benchmarks/drift_validator/retraining_recovery.py [--data-fraction 1.0] [--train-steps 500]
"""
import argparse
import json
import os
import tempfile
import time


def _auc(report: dict, side: str) -> float:
    return next(m[side] for m in report["concept_drift"]["metrics"] if m["metric"] == "auc")


def main():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-fraction", type=float, default=1.0)
    parser.add_argument("--train-steps", type=int, default=500)
    parser.add_argument("--output-dir", help="where the run goes (default: a temporary directory)")
    args = parser.parse_args()

    from tfx_dcai.pipelines.drift_validator_branch import add_drift_validator
    from tfx_dcai.pipelines.local_runner import PIPELINE_NAME, run_local
    from tfx_dcai.pipelines.retraining_branch import add_feedback_retraining, holdout_metrics
    from tfx_dcai.pipelines.run_summary import latest_run, sqlite_store

    output = args.output_dir or tempfile.mkdtemp(prefix="dcai-retraining-")
    start = time.perf_counter()
    paths = run_local(output, data_fraction=args.data_fraction, branches=[add_drift_validator, add_feedback_retraining],
                      train_steps=args.train_steps)
    seconds = time.perf_counter() - start
    nodes = {n.node: n for n in latest_run(sqlite_store(paths.metadata_path), PIPELINE_NAME)}
    with open(os.path.join(nodes["DriftValidator"].outputs["drift_report"][0].uri, "drift_report.json")) as f:
        report = json.load(f)
    print(f"# taxi pipeline, drift + retraining branches, {args.data_fraction:.0%} of the trips, "
          f"{args.train_steps} train steps: {seconds:.0f} s; DriftValidator {report['status']}")
    if "Evaluator.retrained" not in nodes or nodes["Evaluator.retrained"].state != "COMPLETE":
        print("retraining did not run (the DriftValidator did not block)")
        return
    holdout = holdout_metrics(nodes["Evaluator.retrained"].outputs["evaluation"][0].uri)
    blessed = nodes["Evaluator.retrained"].outputs["blessing"][0].custom_properties["blessed"].int_value
    pushed = nodes["Pusher.retrained"].outputs["pushed_model"][0].custom_properties["pushed"].int_value
    baseline, feedback = _auc(report, "baseline"), _auc(report, "current")
    current, retrained = holdout["baseline"]["auc"], holdout["candidate"]["auc"]
    print("what | AUC | rows")
    print(f"current model, 2013-14 eval split (DriftValidator baseline) | {baseline:.4f} | "
          f"{report['concept_drift']['n_baseline']}")
    print(f"current model, 2015-16 feedback (DriftValidator current) | {feedback:.4f} | "
          f"{report['concept_drift']['n_current']}")
    print(f"current model, feedback holdout (Evaluator.retrained) | {current:.4f} | "
          f"{holdout['baseline']['example_count']:.0f}")
    print(f"retrained model, feedback holdout (Evaluator.retrained) | {retrained:.4f} | "
          f"{holdout['candidate']['example_count']:.0f}")
    drop = baseline - current
    share = (retrained - current) / drop if drop > 0 else float("nan")
    accuracy = holdout["baseline"]["binary_accuracy"], holdout["candidate"]["binary_accuracy"]
    print(f"drop on the holdout {drop:+.4f}; retraining recovers {retrained - current:+.4f} ({share:.0%} of the "
          f"drop); accuracy {accuracy[0]:.4f} -> {accuracy[1]:.4f}; blessed {blessed}, pushed {pushed}")


if __name__ == "__main__":
    main()
