"""tfx_dcai.data_io: CSV and TFRecord PATHs into consistent RecordBatches, and clear errors."""
import os
import subprocess
import sys

import pytest

from tfx_dcai import data_io
from tfx_dcai.errors import InputError


def _write_ipc(batch, directory):
    import uuid

    import pyarrow as pa

    with pa.OSFile(os.path.join(directory, f"{uuid.uuid4().hex}.arrow"), "wb") as sink:
        with pa.ipc.new_file(sink, batch.schema) as writer:
            writer.write_batch(batch)


def read_all(path):
    """Run a Beam pipeline that reads PATH and return the batches it produced (via Arrow IPC files)."""
    import tempfile

    import apache_beam as beam
    import pyarrow as pa

    out_dir = tempfile.mkdtemp()
    with beam.Pipeline(argv=["--direct_running_mode=in_memory"]) as p:
        _ = data_io.read_record_batches(p, path, "Read") | beam.Map(_write_ipc, directory=out_dir)
    batches = []
    for name in sorted(os.listdir(out_dir)):
        with pa.OSFile(os.path.join(out_dir, name), "rb") as source:
            reader = pa.ipc.open_file(source)
            batches += [reader.get_batch(i) for i in range(reader.num_record_batches)]
    return batches


def rows(batches):
    out = []
    for batch in batches:
        columns = batch.to_pydict()
        out += [dict(zip(columns, values)) for values in zip(*columns.values())]
    return out


@pytest.fixture
def csv_dir(tmp_path):
    (tmp_path / "a.csv").write_text('id,city,fare,"note, quoted"\n1,Chicago,5,"x, y"\n2,,NaN,\n3,Evanston,inf,z\n')
    (tmp_path / "b.csv").write_text('id,city,fare,"note, quoted"\n4,Chicago,7.25,w\n')
    return tmp_path


def test_csv_batches_share_one_schema_widened_over_all_files(csv_dir):
    batches = read_all(str(csv_dir))
    assert {str(b.schema) for b in batches} == {"id: int64\ncity: string\nfare: double\nnote, quoted: string"}
    got = sorted(rows(batches), key=lambda r: r["id"])
    assert [r["id"] for r in got] == [1, 2, 3, 4]  # every row arrives once
    assert got[1]["city"] is None and got[1]["note, quoted"] is None  # empty is missing
    assert got[1]["fare"] != got[1]["fare"] and got[2]["fare"] == float("inf")  # NaN and inf stay floats
    assert got[3]["fare"] == 7.25 and got[0]["note, quoted"] == "x, y"


def test_csv_path_needs_no_tensorflow(csv_dir):
    code = ("import sys, apache_beam as beam\nfrom components import data_io\n"
            f"names = data_io.column_names({str(csv_dir)!r})\n"
            "with beam.Pipeline(argv=['--direct_running_mode=in_memory']) as p:\n"
            f"    data_io.read_record_batches(p, {str(csv_dir)!r}, 'Read')\n"
            "print(names, 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().endswith("['id', 'city', 'fare', 'note, quoted'] False"), result.stderr[-2000:]


def test_tfrecord_directory_reads_tf_examples(small_taxi_data):
    root, manifest = small_taxi_data
    batches = read_all(f"{root}/serving")
    assert sum(b.num_rows for b in batches) == manifest["rows_out"]["serving"]
    assert "fare" in data_io.column_names(f"{root}/serving") and "tips" not in batches[0].schema.names
    assert len({str(b.schema) for b in batches}) == 1


@pytest.mark.parametrize("name, content, message", [
    ("missing.csv", None, "no such file or directory"),
    ("", None, "holds no CSV or TFRecord files"),
    ("empty.csv", "", "the CSV file is empty"),
    ("dup.csv", "a,a\n1,2\n", "repeats a column name"),
])
def test_bad_paths_name_the_file_and_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message) as error:
        data_io.column_names(str(path))
    assert str(path) in str(error.value)


def test_csv_files_with_different_headers_are_refused(csv_dir):
    (csv_dir / "c.csv").write_text("id,other\n1,2\n")
    with pytest.raises(InputError, match="c.csv: its CSV header differs"):
        data_io.column_names(str(csv_dir))


def test_mixed_directory_is_refused(csv_dir):
    (csv_dir / "data.tfrecord").write_bytes(b"")
    with pytest.raises(InputError, match="mixes CSV and other files"):
        data_io.list_files(str(csv_dir))
