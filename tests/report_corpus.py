"""Representative report pages for the browser test, made by the real code paths: the `dcai agreement` and
`dcai slices` commands on small CSV files (TensorFlow-free), and the drift report builders on synthetic TFDV
statistics with the real multivariate and concept-drift computations.

Each case is a function `case(out_dir) -> html_path`; CASES maps a name to it. To check another report in the
browser, add a case here (or call tests.browser.check_report on its file from the test that writes it).
"""
import contextlib
import dataclasses
import csv
import io
import os

import numpy as np

HTML_PAYLOAD = "<script>alert(1)</script>"
IMG_PAYLOAD = '<img src=x onerror="alert(2)">'
LONG = "a-very-long-value-that-a-person-would-not-want-to-read-in-full-" * 2


def _write_csv(path, rows):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:  # local
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def _dcai(argv) -> int:
    """`dcai ...` in this process (its summary lines discarded)."""
    from tfx_dcai.pipelines.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        return main(argv)


def _agreement(out, csv_path, *extra):
    code = _dcai(["agreement", "--annotations", csv_path, "--item-column", "item", "--annotator-column", "who",
                  "--label-column", "label", "--output-dir", out, *extra])
    assert code in (0, 1), code
    return os.path.join(out, "label_consistency_report.html")


# ---- label consistency -------------------------------------------------------------------------------------

def lc_binary_html_payloads(out):
    """Binary labels whose values, items and annotators carry HTML; one class confused."""
    rng = np.random.default_rng(1)
    rows = []
    for i in range(80):
        truth = HTML_PAYLOAD if i % 3 == 0 else "ok"
        for who in ("A", IMG_PAYLOAD, "C & D"):
            label = truth if rng.random() > (0.35 if truth != "ok" else 0.05) else ("ok" if truth != "ok" else
                                                                                  HTML_PAYLOAD)
            rows.append({"item": f"{IMG_PAYLOAD}{i}" if i < 3 else f"item-{i:03d}", "who": who, "label": label})
    return _agreement(out, _write_csv(os.path.join(out, "in.csv"), rows), "--n-bootstrap", "200")


def lc_multiclass_dawid_skene(out):
    """Fleiss (1971): 30 patients, 6 psychiatrists, 5 diagnoses; Dawid-Skene consensus."""
    from tfx_dcai.label_consistency.published_tables import FLEISS_1971

    rows = [{"item": f"patient-{i:02d}", "who": f"psychiatrist {j}", "label": d}
            for i, ratings in enumerate(FLEISS_1971) for j, d in enumerate(ratings)]
    return _agreement(out, _write_csv(os.path.join(out, "in.csv"), rows), "--consensus", "dawid_skene",
                      "--n-bootstrap", "200", "--instructions-version", "2024-06 diagnostic manual")


def lc_many_items_revision(out):
    """1,200 items with long ids (the report file holds the first 1,000 consensus rows) and a previous run."""
    rng = np.random.default_rng(2)
    classes = ["cat", "dog", "bird", "a " + LONG]

    def rows(slip):
        out_rows = []
        for i in range(1200):
            truth = classes[i % 4]
            for who in ("ann", "bob", "cy"):
                label = truth if rng.random() > slip else classes[rng.integers(4)]
                out_rows.append({"item": f"{LONG}{i:05d}", "who": who, "label": label})
        return out_rows

    first = os.path.join(out, "v1")
    _agreement(first, _write_csv(os.path.join(out, "v1.csv"), rows(0.4)), "--n-bootstrap", "50",
               "--instructions-version", "v1")
    return _agreement(out, _write_csv(os.path.join(out, "v2.csv"), rows(0.1)), "--n-bootstrap", "50",
                      "--instructions-version", "v2", "--previous-report",
                      os.path.join(first, "label_consistency_report.json"))


def lc_transcripts(out):
    rows = []
    for i in range(30):
        base = "please call me back" if i % 2 else "the meeting is at noon"
        rows += [{"item": f"clip{i:02d}", "who": "A", "label": ("um " if i < 18 else "") + base},
                 {"item": f"clip{i:02d}", "who": "B", "label": base.capitalize() + "."},
                 {"item": f"clip{i:02d}", "who": "C", "label": base if i != 7 else HTML_PAYLOAD}]
    return _agreement(out, _write_csv(os.path.join(out, "in.csv"), rows), "--kind", "text",
                      "--n-bootstrap", "0", "--text-normalisation", "whitespace")


def lc_boxes(out):
    rows = []
    for i in range(12):
        x = 100 * i
        rows.append({"item": f"img{i}", "who": "A", "label": f"{x} 0 {x + 10} 10 car"})
        rows.append({"item": f"img{i}", "who": "B", "label": f"{x + 1} 0 {x + 11} 10 {'car' if i % 4 else 'truck'}"})
        rows.append({"item": f"img{i}", "who": "B", "label": f"{x + 50} 0 {x + 60} 10 car"})
    rows.append({"item": "img0", "who": "A", "label": "30 0 20 10 car"})  # malformed: x2 < x1
    return _agreement(out, _write_csv(os.path.join(out, "in.csv"), rows), "--kind", "bbox", "--n-bootstrap", "0")


def lc_examples_diagnostics(out):
    """Single-labelled examples with a prediction column and a schema: X->y conflicts and label errors."""
    rows = [{"item": f"i{i}", "who": w, "label": "yes" if i % 3 else "no"} for i in range(30) for w in "ABC"]
    single = [{"ex": f"e{i:03d}", "area": i % 40, "note": f"{HTML_PAYLOAD} {i % 5}",
               "y": int(i % 2 == 0) ^ int(i % 10 == 3), "score": 0.9 - 0.8 * (i % 2)} for i in range(100)]
    single[4]["score"] = ""
    schema = os.path.join(out, "schema.pbtxt")
    os.makedirs(out, exist_ok=True)
    with open(schema, "w", encoding="utf-8") as f:  # local
        f.write('feature { name: "area" type: INT int_domain { is_categorical: true } }\n'
                'feature { name: "note" type: BYTES }\nfeature { name: "y" type: INT }\n')
    return _agreement(out, _write_csv(os.path.join(out, "ann.csv"), rows), "--examples",
                      _write_csv(os.path.join(out, "examples.csv"), single), "--example-label-column", "y",
                      "--example-id-column", "ex", "--prediction-column", "score", "--schema", schema,
                      "--n-bootstrap", "0")


# ---- slices ------------------------------------------------------------------------------------------------

def _slices(out, frame, *extra):
    path = os.path.join(out, "examples.csv")
    os.makedirs(out, exist_ok=True)
    frame.to_csv(path, index=False)
    code = _dcai(["slices", "--examples", path, "--label-column", "label", "--prediction-column", "score",
                  "--output-dir", out, *extra])
    assert code in (0, 1), code
    return os.path.join(out, "slice_report.html")


def slices_many_features_long_values(out):
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame({
        "payment": rng.choice(["Cash", "Credit Card", "Mobile", HTML_PAYLOAD], n),
        "company": rng.choice([f"{LONG}{k}" for k in range(6)], n),
        "fare": rng.gamma(2.0, 6.0, n).round(2), "hour": rng.integers(0, 24, n),
        "miles": rng.lognormal(1, 1, n).round(2), "weekday": rng.integers(0, 7, n),
        **{f"feature_with_a_long_name_{k}": rng.normal(0, 1, n).round(3) for k in range(6)}})
    frame["label"] = rng.integers(0, 2, n)
    worse = (frame.payment == "Mobile") | ((frame.hour < 4) & (frame.fare > 15)) | (frame.payment == HTML_PAYLOAD)
    wrong = rng.random(n) < np.where(worse, 0.45, 0.1)
    frame["score"] = np.where(wrong, 1 - frame.label, frame.label) * 0.8 + 0.1
    return _slices(out, frame)


def slices_none_significant(out):
    import pandas as pd

    rng = np.random.default_rng(4)
    n = 1500
    frame = pd.DataFrame({"payment": rng.choice(["Cash", "Card"], n), "fare": rng.gamma(2.0, 6.0, n).round(2)})
    frame["label"] = rng.integers(0, 2, n)
    frame["score"] = np.where(rng.random(n) < 0.1, 1 - frame.label, frame.label) * 0.8 + 0.1
    return _slices(out, frame)


# ---- drift -------------------------------------------------------------------------------------------------

def _drift_features(rng, n_numeric=18, n_categorical=12, n=3000, shifted=True):
    from tfx_dcai.drift_validator.config import DriftConfig
    from tfx_dcai.drift_validator.feature_drift import compare_statistics
    from tfx_dcai.drift_validator.synthetic_statistics import categorical_feature, dataset, numeric_feature

    base, cur, samples = [], [], {"baseline": {}, "current": {}}
    for k in range(n_numeric):
        name = HTML_PAYLOAD if k == 0 else (f"numeric_{k}_{LONG}" if k == 1 else f"numeric_{k}")
        shift = 0.6 if k % 4 == 0 and shifted else 0.0
        b, c = rng.normal(10, 2, n), rng.normal(10 + shift * 2, 2, n)
        if k == 2 and shifted:
            b, c = rng.normal(1.4e9, 3e7, n), rng.normal(1.45e9, 3e7, n)  # timestamps: long bin labels
        base.append(numeric_feature(name, b))
        cur.append(numeric_feature(name, c))
        samples["baseline"][name], samples["current"][name] = b, c
    for k in range(n_categorical):
        name = f"category_{k}" if k != 1 else f"category {IMG_PAYLOAD}"
        values = ["Cash", "Credit Card", "Mobile", "Unknown", "Prcard", f"{LONG}x", HTML_PAYLOAD] + \
            [f"company-{j}" for j in range(14)]
        p = np.ones(len(values)) / len(values)
        q = p.copy()
        if k % 3 == 0 and shifted:
            q[0], q[2] = q[0] * 2.5, q[2] * 0.2
            q = q / q.sum()
        b, c = rng.choice(values, n, p=p), rng.choice(values, n, p=q)
        base.append(categorical_feature(name, list(b)))
        cur.append(categorical_feature(name, list(c)))
        samples["baseline"][name], samples["current"][name] = b.astype(object), c.astype(object)
    config = DriftConfig(permutations=200, bootstrap=200)
    features = compare_statistics(dataset(base, n), dataset(cur, n), config)
    for entry in features:  # TFDV's comparators sit beside ours in real reports
        m = entry.get("measures") or {}
        entry["tfdv"] = {"jensen_shannon_divergence": m.get("jsd"), "l_infinity": m.get("l_infinity")}
    return config, features, samples


def drift_full(out):
    """30 features (long names, HTML), schema anomalies, multivariate and concept drift, a history of runs."""
    from tfx_dcai.drift_validator import concept_drift as cd
    from tfx_dcai.drift_validator import report as drift_report
    from tfx_dcai.drift_validator.multivariate import domain_classifier_drift
    from tfx_dcai import predictions as preds
    from tfx_dcai.drift_validator.analysis import history

    rng = np.random.default_rng(5)
    config, features, samples = _drift_features(rng)
    names = [e["name"] for e in features if e["status"] == "tested"][:12]
    sample = {side: {k: v[:600] for k, v in cols.items()} for side, cols in samples.items()}
    mv = domain_classifier_drift(sample["baseline"], sample["current"], names, config.q, config.min_auc, 200, 0)
    y_b, y_c = rng.integers(0, 2, 600), rng.integers(0, 2, 600)
    s_b = np.clip(y_b * 0.7 + rng.normal(0.15, 0.2, 600), 0, 1)
    s_c = np.clip(y_c * 0.4 + rng.normal(0.3, 0.25, 600), 0, 1)
    columns = preds.find_prediction_columns(["P"], "P", "corpus")
    baseline, current = (preds.from_columns(y, columns, {"P": s}) for y, s in ((y_b, s_b), (y_c, s_c)))
    numeric = [n for n in names if np.asarray(sample["baseline"][n]).dtype.kind == "f"][:4]
    concept = cd.concept_drift(baseline, current, {n: np.asarray(sample["baseline"][n]) for n in numeric},
                               {n: np.asarray(sample["current"][n]) for n in numeric}, numeric,
                               dataclasses.replace(config, bootstrap=200), rng)
    previous = [{"features": [dict(e, effect_size=(e["effect_size"] or 0) * f) for e in features],
                 "context": {"run": f"2026-12-0{k + 1} 03:08:43Z"}} for k, f in enumerate((0.2, 0.5, 0.8))]
    anomalies = [{"feature": "company", "type": "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
                  "description": f"Examples contain values missing from the schema: {HTML_PAYLOAD}, {LONG}"},
                 {"feature": "", "type": "SCHEMA_MISSING_COLUMN", "description": "Column dropped"}]
    report = drift_report.build_report(config, features, anomalies, mv, concept, history(previous, features),
                                       context={"current": "serving 2015-2016", "baseline": "train 2013-2014"})
    return drift_report.write(out, report)[1]


def drift_no_baseline(out):
    from tfx_dcai.drift_validator import report as drift_report
    from tfx_dcai.drift_validator.config import DriftConfig

    report = drift_report.build_report(DriftConfig(), [], [], baseline_available=False,
                                       context={"current": "serving"})
    return drift_report.write(out, report)[1]


def drift_no_drift_empty_sections(out):
    from tfx_dcai.drift_validator import report as drift_report

    rng = np.random.default_rng(6)
    config, features, _ = _drift_features(rng, n_numeric=2, n_categorical=1, n=2000, shifted=False)
    report = drift_report.build_report(config, features, [], context={"current": "eval", "baseline": "train"})
    return drift_report.write(out, report)[1]


CASES = {
    "drift_full": drift_full,
    "drift_no_baseline": drift_no_baseline,
    "drift_no_drift_empty_sections": drift_no_drift_empty_sections,
    "lc_binary_html_payloads": lc_binary_html_payloads,
    "lc_multiclass_dawid_skene": lc_multiclass_dawid_skene,
    "lc_many_items_revision": lc_many_items_revision,
    "lc_transcripts": lc_transcripts,
    "lc_boxes": lc_boxes,
    "lc_examples_diagnostics": lc_examples_diagnostics,
    "slices_many_features_long_values": slices_many_features_long_values,
    "slices_none_significant": slices_none_significant,
}
