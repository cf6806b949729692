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
    ("dup.csv", "a,a\n1,2\n", r"repeats column name\(s\) \[.a.\]"),
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


def test_ids_named_as_text_are_kept_as_written(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("item,x\n007,1\n01,2\n1,3\n9007199254740993,4\n")
    import apache_beam as beam

    with beam.Pipeline(argv=["--direct_running_mode=in_memory"]) as p:
        texts = data_io.read_record_batches(p, str(path), "R", text_columns=("item",))
        _ = texts | beam.Map(lambda b: (b.schema.field("item").type == __import__("pyarrow").string()
                                        and b.column(0).to_pylist() == ["007", "01", "1", "9007199254740993"])
                             or (_ for _ in ()).throw(AssertionError(b.to_pydict())))
    rows_numeric = rows(read_all(str(path)))
    assert [r["item"] for r in rows_numeric] == [7, 1, 1, 9007199254740993]  # without text_columns: numbers


def test_a_utf8_byte_order_mark_is_skipped(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfid,label\n1,0\n2,1\n")
    assert data_io.column_names(str(path)) == ["id", "label"]
    assert [r["id"] for r in rows(read_all(str(path)))] == [1, 2]


def test_bytes_that_are_not_utf8_name_the_file_column_and_row(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,name\n1,ok\n2,caf\xe9\n")
    with pytest.raises(Exception, match=r"latin1.csv: column 'name', row 2 is not UTF-8 text \(bytes b'caf\\xe9'"):
        read_all(str(path))
    header = tmp_path / "header.csv"
    header.write_bytes(b"id,n\xe9\n1,2\n")
    with pytest.raises(InputError, match="the header row is not UTF-8"):
        data_io.column_names(str(header))


def test_a_row_longer_than_a_read_block_is_read(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,text\n1,short\n2," + "x" * (3 * data_io.BLOCK_BYTES) + "\n3,end\n")
    read = sorted(rows(read_all(str(path))), key=lambda r: r["id"])  # batches come back in no set order
    assert [(r["id"], len(r["text"])) for r in read] == [(1, 5), (2, 3 * data_io.BLOCK_BYTES), (3, 3)]


def test_the_type_pass_sees_every_block_of_every_file(tmp_path):
    """A float after the first read block of one file makes the column float in every batch of every file."""
    lines = [f"{i},{i % 7}" for i in range(data_io.BLOCK_BYTES // 6)]  # more than one 1 MiB block of integers
    (tmp_path / "a.csv").write_text("id,n\n" + "\n".join(lines) + "\n0,2.5\n")
    (tmp_path / "b.csv").write_text("id,n\n1,3\n")
    batches = read_all(str(tmp_path))
    assert len(batches) > 2 and {str(b.schema) for b in batches} == {"id: int64\nn: double"}
    assert sum(b.num_rows for b in batches) == len(lines) + 2
    assert data_io.file_kinds(str(tmp_path / "a.csv"), ["id", "n"]) == {"id": 0, "n": 1}
    assert data_io.file_kinds(str(tmp_path / "a.csv"), ["id", "n"], ["id"]) == {"id": data_io.TEXT, "n": 1}


def _tfrecords(directory, name, rows_):
    from tfx_dcai.tf_records import encode_rows, write_tfrecords

    directory.mkdir(exist_ok=True)
    write_tfrecords(str(directory / name), encode_rows(rows_))


def test_tfrecord_feature_types_that_differ_between_files_are_named(tmp_path):
    _tfrecords(tmp_path / "tf", "a.gz", [{"x": 1}, {"x": 2}])
    _tfrecords(tmp_path / "tf", "b.gz", [{"x": 1.5}])
    with pytest.raises(InputError, match=r"feature 'x' is int in .*a.gz but float in .*b.gz"):
        data_io.column_names(str(tmp_path / "tf"))


def test_a_truncated_tfrecord_file_is_named(tmp_path):
    import gzip

    _tfrecords(tmp_path / "ok", "a.gz", [{"x": i} for i in range(5)])
    (tmp_path / "cut").mkdir()
    data = gzip.decompress((tmp_path / "ok" / "a.gz").read_bytes())
    (tmp_path / "cut" / "a.tfrecord").write_bytes(data[:-3])
    with pytest.raises(InputError, match=r"cut/a.tfrecord: truncated TFRecord file \(the record at byte \d+ is cut"):
        data_io.column_names(str(tmp_path / "cut"))
    assert sum(len(r) for r in [rows(read_all(str(tmp_path / "ok")))]) == 5
