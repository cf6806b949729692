"""Estimated vs realized performance on the taxi trips: the DriftValidator's estimate without labels (CBPE) on the
2015-16 serving trips, against the metric realized on the same trips once labelled (feedback).

The models: scikit-learn HistGradientBoosting on the 2013-14 trips (80% by a hash of the trip; the other 20% is the
labelled baseline the estimate is checked on), as it is ("raw") and with isotonic calibration (5-fold
CalibratedClassifierCV on the same 80%); each one's probability of `big_tipper` is written as a prediction column P.
Both runs are `dcai drift` on CSV files, in this process:
- estimate: --baseline baseline.csv (label + P) --current serving.csv (P, no label column) -> estimated_performance;
- realized: --baseline baseline.csv --current feedback.csv (label + P) -> concept_drift's current metrics.
Also printed: the naive estimate "performance as on the baseline". One line per comparison.

    nice .venv/bin/python benchmarks/drift_validator/estimated_performance.py [--bootstrap 1000]
"""
import argparse
import glob
import json
import os
import tempfile

import numpy as np

NUMERIC = ("trip_miles", "fare", "trip_seconds", "pickup_latitude", "pickup_longitude", "dropoff_latitude",
           "dropoff_longitude", "trip_start_hour", "trip_start_day", "trip_start_month",
           "pickup_community_area", "dropoff_community_area")
CATEGORICAL = ("payment_type", "company")
LABEL = "big_tipper"


def _frame(path):
    import pandas as pd
    import tensorflow as tf
    from tfx_bsl.coders import example_coder

    records = list(tf.data.TFRecordDataset(sorted(glob.glob(os.path.join(path, "*"))), compression_type="GZIP")
                   .as_numpy_iterator())
    batch = example_coder.ExamplesToRecordBatchDecoder().DecodeBatch(records)
    from tfx_dcai.columns import first_values
    frame = pd.DataFrame({name: first_values(batch.column(i)).to_pandas() for i, name in enumerate(batch.schema.names)})
    return frame, records


def _design(frame, categories):
    columns = [frame[c].astype(float).to_numpy() for c in NUMERIC]
    for c in CATEGORICAL:
        codes = {v: i for i, v in enumerate(categories[c])}
        columns.append(np.array([codes.get(v, np.nan) for v in frame[c]], dtype=float))
    return np.column_stack(columns)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    from tfx_dcai.hashing import hash64
    from tfx_dcai.pipelines.cli import main as dcai
    from tfx_dcai.pipelines.taxi_data import prepare_taxi_data

    root = tempfile.mkdtemp(prefix="dv_cbpe_")
    prepare_taxi_data(os.path.join(root, "data"))
    train, train_records = _frame(os.path.join(root, "data", "train"))
    serving, _ = _frame(os.path.join(root, "data", "serving"))
    feedback, _ = _frame(os.path.join(root, "data", "feedback"))
    categories = {c: sorted(set(train[c].dropna())) for c in CATEGORICAL}
    held_out = np.array([hash64(r) % 5 == 0 for r in train_records])
    x_fit, y_fit = _design(train[~held_out], categories), train[LABEL][~held_out].astype(int)

    def hgb():
        return HistGradientBoostingClassifier(max_iter=200, random_state=0,
                                              categorical_features=[False] * len(NUMERIC) + [True] * len(CATEGORICAL))
    models = {"raw": hgb().fit(x_fit, y_fit),
              "isotonic": CalibratedClassifierCV(hgb(), method="isotonic", cv=5).fit(x_fit, y_fit)}
    print(f"data: taxi trips, HistGradientBoosting on {int((~held_out).sum())} 2013-14 trips; baseline "
          f"{int(held_out.sum())} held-out 2013-14 trips; serving/feedback {len(serving)} 2015-16 trips; "
          f"{args.bootstrap} label draws")
    for model_name, model in models.items():
        _compare(model_name, model, root, train[held_out], serving, feedback, categories, args, dcai)


def _compare(model_name, model, root, baseline, serving, feedback, categories, args, dcai):
    paths = {}
    for name, frame, labelled in (("baseline", baseline, True), ("serving", serving, False),
                                  ("feedback", feedback, True)):
        out = frame[list(NUMERIC) + list(CATEGORICAL)].copy()
        out["P"] = model.predict_proba(_design(frame, categories))[:, 1]
        if labelled:
            out[LABEL] = frame[LABEL].astype(int).to_numpy()
        paths[name] = os.path.join(root, f"{model_name}_{name}.csv")
        out.to_csv(paths[name], index=False)
    common = ["--label-column", LABEL, "--prediction-column", "P", "--bootstrap", str(args.bootstrap),
              "--permutations", "200", "--quiet"]
    reports = {}
    for current in ("serving", "feedback"):
        out_dir = os.path.join(root, f"out_{model_name}_{current}")
        dcai(["drift", "--baseline", paths["baseline"], "--current", paths[current], "--output-dir", out_dir] + common)
        with open(os.path.join(out_dir, "drift_report.json")) as f:  # local
            reports[current] = json.load(f)
    estimates = {e["metric"]: e for e in reports["serving"]["estimated_performance"]}
    realized = {m["metric"]: m for m in reports["feedback"]["concept_drift"]["metrics"]}
    for metric in ("accuracy", "auc"):
        e, r = estimates[metric], realized[metric]
        print(f"{model_name} model, {metric}: estimated without labels {e['value']:.4f} [{e['ci_low']:.4f}, "
              f"{e['ci_high']:.4f}] (calibrated on baseline: {e['calibrated']}) | realized on the labelled trips "
              f"{r['current']:.4f} | error {e['value'] - r['current']:+.4f}, covered "
              f"{e['ci_low'] <= r['current'] <= e['ci_high']} | naive 'as on the baseline' {r['baseline']:.4f} "
              f"(error {r['baseline'] - r['current']:+.4f}) | share of the drop the estimate shows "
              f"{_share(r['baseline'], e['value'], r['current'])}")


def _share(baseline, estimate, realized):
    drop = baseline - realized
    return "n/a (no drop)" if abs(drop) < 1e-9 else f"{(baseline - estimate) / drop:.0%} of the drop"


if __name__ == "__main__":
    main()
