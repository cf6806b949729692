#!/usr/bin/env bash
# What the Dockerfile does, without a Docker engine (none runs on the project's machines): the built wheel,
# installed non-editable with requirements/lock.txt into a fresh venv, used from a folder that has its own
# components/ and pipelines/ packages; then the compiled KFP spec's container command (the Dockerfile's
# ENTRYPOINT, with its ENV) runs the first tasks of the taxi pipeline from that venv, as a KFP pod would.
# Usage: bash .ci/image_check.sh   (make image-check)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
export PATH="$HOME/.local/bin:$PATH" UV_PYTHON_DOWNLOADS=never
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dcai-image-check-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
PY=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
.venv/bin/python -m pip wheel --quiet --no-deps --no-build-isolation -w "$WORK/dist" . >/dev/null
rm -rf build ./*.egg-info
uv venv --quiet --seed -p "$PY" "$WORK/venv"
uv pip install --quiet -p "$WORK/venv/bin/python" -r requirements/lock.txt
uv pip install --quiet -p "$WORK/venv/bin/python" --no-deps "$WORK"/dist/tfx_dcai-*.whl
echo "image-check: wheel + lock installed in $(( $(date +%s) - start )) s"

# The image's ENV lines, exported for the containers' processes.
while read -r pair; do export "${pair?}"; done < <(sed -n 's/^ENV //p' Dockerfile | tr ' ' '\n')

mkdir -p "$WORK/project/components" "$WORK/project/pipelines"
touch "$WORK/project/components/__init__.py" "$WORK/project/pipelines/__init__.py"  # a user's own packages
cat > "$WORK/project/image_pipeline.py" <<'PY'
"""The taxi pipeline as the image runs it, with the curated schema at its installed path (the image links it)."""
from tfx_dcai.pipelines.kubeflow_runner import taxi_pipeline
from tfx_dcai.schemas import schema_path


def create(pipeline_root, data_root, beam_pipeline_args):
    return taxi_pipeline(pipeline_root, data_root, beam_pipeline_args, schema_path=schema_path("taxi"))
PY
cd "$WORK/project"
"$WORK/venv/bin/python" -c "import tfx_dcai, os; assert '/site-packages/' in tfx_dcai.__file__, tfx_dcai.__file__"
"$WORK/venv/bin/dcai" prepare-data --output-dir "$WORK/data" --data-fraction 0.05
"$WORK/venv/bin/dcai" compile-kubeflow --target kfp --output "$WORK/spec.yaml" --pipeline image_pipeline:create \
    --pipeline-root "$WORK/root" --data-root "$WORK/data" -- --direct_running_mode=in_memory
"$WORK/venv/bin/python" - "$WORK" "$REPO" <<'PY'
import os, sys, time
from tfx_dcai.pipelines.kfp_local import SpecRunner
from tfx_dcai.pipelines.kubeflow_runner import CONTAINER_COMMAND

work, repo = sys.argv[1], sys.argv[2]
with open(os.path.join(repo, "Dockerfile")) as f:  # local
    entrypoint = [line for line in f if line.startswith("ENTRYPOINT ")][0]
assert entrypoint.strip() == "ENTRYPOINT " + str(CONTAINER_COMMAND).replace("'", '"'), entrypoint
runner = SpecRunner(os.path.join(work, "spec.yaml"), python_bin_dir=os.path.join(work, "venv", "bin"),
                    mode="subprocess")
start = time.monotonic()
results = runner.run(tasks=["ImportExampleGen.train", "ImportSchemaGen", "StatisticsGen.train", "DriftValidator.control"])
for name, result in results.items():
    print(f"image-check: {name} {result.state} in {result.seconds:.0f} s")
assert all(r.state == "COMPLETE" for r in results.values())
report = os.path.join(results["DriftValidator.control"].outputs["drift_report"]["uri"], "drift_report.json")
assert os.path.exists(report), report
print(f"image-check: 4 tasks of the compiled spec ran from the wheel venv in {time.monotonic() - start:.0f} s")
PY
echo "image-check: passed in $(( $(date +%s) - start )) s"
