"""The found slices as TFMA SlicingSpecs (JSON with proto field names), so an Evaluator can watch them.

A slice made only of `feature == value` predicates becomes `feature_values`; a slice with a numeric range
becomes `slice_keys_sql` (a constant slice key over the rows that satisfy the predicates). Slices on "missing"
or "other" cannot be written as a SlicingSpec; they are listed under `skipped`.
"""
import os

SPECS_FILE = "slicing_specs.json"


def _sql_literal(value) -> str:
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _condition(predicate: dict) -> str:
    name, op, value = predicate["feature"], predicate["op"], predicate["value"]
    if op == "in":
        return f"{name} >= {_sql_literal(value[0])} AND {name} < {_sql_literal(value[1])}"
    return f"{name} {'=' if op == '==' else op} {_sql_literal(value)}"


def slicing_spec(slice_entry: dict):
    """One SlicingSpec dict, or None when a predicate cannot be expressed."""
    predicates = slice_entry["predicates"]
    if any(p["op"] not in ("==", "<", ">=", "in") for p in predicates):
        return None
    if all(p["op"] == "==" for p in predicates):
        return {"feature_values": {p["feature"]: str(p["value"]) for p in predicates}}
    names = [p["feature"] for p in predicates]
    key = _sql_literal(slice_entry["description"])
    return {"slice_keys_sql": f"SELECT STRUCT({key} AS slice) FROM {', '.join('example.' + n for n in names)} "
                              f"WHERE {' AND '.join(_condition(p) for p in predicates)}"}


def slicing_specs(report: dict) -> dict:
    specs, skipped = [], []
    for entry in report["slices"]:
        if not entry["significant"]:
            continue
        spec = slicing_spec(entry)
        (specs if spec else skipped).append(spec or entry["description"])
    return {"slicing_specs": specs, "skipped": skipped}


def write_specs(report: dict, output_dir: str) -> str:
    """Write `slicing_specs.json` for the report's significant slices into `output_dir` (any filesystem).

    Returns:
      The path written.
    """
    from tfx_dcai import artifact_io

    path = os.path.join(output_dir, SPECS_FILE)
    artifact_io.write_json(path, slicing_specs(report))
    return path
