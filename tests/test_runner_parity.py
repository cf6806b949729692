"""The three `dcai` component commands give the same reports on every Beam runner, for one file, several files
and shuffled rows (stable content-hash samples, canonical orders).

Runners here: in-memory DirectRunner, multi_processing with 2 workers, PortableRunner with an EXTERNAL worker pool
in a separate process. Flink and Spark: set DCAI_FLINK_JOB_ENDPOINT / DCAI_SPARK_JOB_ENDPOINT and DCAI_WORKER_POOL
(`make cluster-test` does, against the clusters of `make cluster-up`); without them those cases are skipped.
"""
import os

import pytest

from tests import parity

pytestmark = pytest.mark.slow

COMMANDS = ("drift", "slices", "agreement")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("parity_data"))
    return root, parity.make_data(root)


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory):
    """Each command on one file, in memory: the reports every other run must equal."""
    root, inputs = data
    out = tmp_path_factory.mktemp("reference")
    return {command: parity.run_command(command, inputs[command]["one_file"], str(out / command))
            for command in COMMANDS}


@pytest.fixture(scope="module")
def pool_port(tmp_path_factory):
    with parity.worker_pool(str(tmp_path_factory.mktemp("pool") / "worker_pool.log")) as port:
        yield port


def _check(command, layout, beam_args, data, reference, out_dir):
    root, inputs = data
    code, report = parity.run_command(command, inputs[command][layout], str(out_dir), beam_args)
    expected_code, expected = reference[command]
    assert code == expected_code
    assert parity.differences(parity.normalized(report, root), parity.normalized(expected, root)) == []


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("layout", ["three_files", "shuffled"])
def test_in_memory_on_several_files_and_shuffled_rows(command, layout, data, reference, tmp_path):
    _check(command, layout, [], data, reference, tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_multi_processing_with_two_workers(command, data, reference, tmp_path):
    _check(command, "three_files", ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
           data, reference, tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_portable_runner_with_an_external_worker_pool(command, data, reference, pool_port, tmp_path):
    _check(command, "shuffled", ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=EXTERNAL",
                                 f"--environment_config=localhost:{pool_port}"], data, reference, tmp_path)


@pytest.mark.parametrize("engine", ["flink", "spark"])
@pytest.mark.parametrize("command", COMMANDS)
def test_flink_and_spark_clusters(engine, command, data, reference, tmp_path):
    endpoint, pool = os.environ.get(f"DCAI_{engine.upper()}_JOB_ENDPOINT"), os.environ.get("DCAI_WORKER_POOL")
    if not endpoint or not pool:
        pytest.skip(f"no {engine} cluster: run `make cluster-test` (DCAI_{engine.upper()}_JOB_ENDPOINT unset)")
    _check(command, "three_files", ["--runner=PortableRunner", f"--job_endpoint={endpoint}",
                                    "--environment_type=EXTERNAL", f"--environment_config={pool}"],
           data, reference, tmp_path)
