"""tfx_dcai.history: the ledger of earlier artifacts that replaces TFX Resolvers (which KFP cannot run)."""
import datetime
import json
import os

import pytest

from tfx_dcai import history


def _artifact_dir(root, name, report):
    path = os.path.join(root, name)
    os.makedirs(path)
    with open(os.path.join(path, "drift_report.json"), "w") as f:
        json.dump(report, f)
    return path


def _at(minute):
    return datetime.datetime(2026, 1, 1, 12, minute, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("remote", [False, True])
def test_record_then_read_the_newest_entries_oldest_first(tmp_path, remote):
    from tfx.dsl.io import fileio

    ledger = f"ram://ledger-{os.getpid()}/drift" if remote else str(tmp_path / "ledger")
    sources = [_artifact_dir(str(tmp_path), f"run{i}", {"run": i}) for i in range(4)]
    names = [history.record(ledger, source, keep=3, now=_at(i)) for i, source in enumerate(sources)]
    assert all(names)
    assert history.record(ledger, sources[3], keep=3) is None  # the same artifact is not recorded twice
    assert history.ledger_entries(ledger) == names[1:]  # keep=3 pruned the oldest
    out = str(tmp_path / "out") if not remote else f"ram://out-{os.getpid()}/history"
    assert history.read(ledger, out, max_entries=2) == 2
    assert history.entry_count(out) == 2

    class _Artifact:
        id, uri = 7, out

    reports = history.earlier_reports([_Artifact()], "drift")
    assert [r["run"] for _, r in reports] == [2, 3]
    assert [label for label, _ in reports] == ["2026-01-01 12:02:00Z", "2026-01-01 12:03:00Z"]
    if remote:
        assert not os.path.exists("ram:")  # nothing was written to a local folder named after the scheme
        fileio.rmtree(ledger)


def test_one_entry_is_the_artifact_itself_and_an_empty_ledger_falls_back_to_the_default(tmp_path):
    ledger = str(tmp_path / "ledger")
    default = _artifact_dir(str(tmp_path), "candidate", {"run": "candidate"})
    out = str(tmp_path / "first")
    assert history.read(ledger, out, max_entries=1, default_uri=default) == 0
    assert history.entry_count(out) == 0  # listed as no entry: tfx-dcai components treat it as absent
    assert json.load(open(os.path.join(out, "drift_report.json"))) == {"run": "candidate"}  # a loadable copy
    history.record(ledger, _artifact_dir(str(tmp_path), "blessed", {"run": "blessed"}), now=_at(1))
    second = str(tmp_path / "second")
    assert history.read(ledger, second, max_entries=1, default_uri=default) == 1
    assert json.load(open(os.path.join(second, "drift_report.json"))) == {"run": "blessed"}
    assert history.entry_count(str(tmp_path / "blessed")) is None  # a plain artifact


def test_plain_report_artifacts_are_read_too_and_unreadable_ones_skipped(tmp_path):
    class _Artifact:
        def __init__(self, id, uri):
            self.id, self.uri = id, uri

    good = _Artifact(3, _artifact_dir(str(tmp_path), "a", {"n": 1}))
    missing = _Artifact(2, str(tmp_path / "nothing"))
    assert history.earlier_reports([good, missing], "drift") == [("#3", {"n": 1})]


def test_a_half_written_entry_is_never_read(tmp_path):
    ledger = tmp_path / "ledger"
    (ledger / "20260101T000000.000000Z-0123456789abcdef").mkdir(parents=True)  # no entry.json: copy in progress
    assert history.ledger_entries(str(ledger)) == []


def test_components_declare_the_recorded_type_and_compile_without_resolvers():
    from tfx.types import standard_artifacts

    from tfx_dcai.artifacts import DriftReport

    reader = history.ReadHistory(DriftReport, "/ledger", max_entries=3)
    assert reader.outputs["history"].type is DriftReport
    assert reader.exec_properties == {"ledger": "/ledger", "max_entries": 3}
    from tfx import v1 as tfx
    model = tfx.dsl.Channel(type=standard_artifacts.Model)
    with_default = history.ReadHistory(standard_artifacts.Model, "/m", default=model, triggers=[model])
    assert set(with_default.inputs) == {"default", "trigger_0"}
    recorder = history.RecordHistory(reader.outputs["history"], "/ledger", keep=2)
    assert recorder.inputs["artifacts"].type is DriftReport and not recorder.outputs
