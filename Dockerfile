# The image every step of a compiled Kubeflow / Vertex AI pipeline runs in: the locked TFX 1.16 stack
# (requirements/lock.txt) and the tfx-dcai wheel, installed non-editable; no source checkout at run time.
#   docker build -t REGISTRY/tfx-dcai:0.2.0 . && docker push REGISTRY/tfx-dcai:0.2.0
#   dcai compile-kubeflow --target kfp --output dcai_taxi.yaml --image REGISTRY/tfx-dcai:0.2.0 \
#        --pipeline-root gs://BUCKET/tfx-dcai/root --data-root gs://BUCKET/tfx-dcai/data
# The ENTRYPOINT is the command the compiled spec gives every container (kubeflow_runner.CONTAINER_COMMAND);
# tests/test_kfp_executed_spec.py checks that and runs the spec with this file's ENV.
FROM python:3.10-slim-bookworm AS wheel
WORKDIR /src
COPY setup.py README.md ./
COPY components ./components
COPY pipelines ./pipelines
COPY schemas ./schemas
RUN python -m pip install --no-cache-dir "setuptools>=64" wheel && python -m pip wheel --no-deps -w /dist .

FROM python:3.10-slim-bookworm
ENV TF_USE_LEGACY_KERAS=1
COPY requirements/lock.txt /tmp/lock.txt
RUN python -m pip install --no-cache-dir -r /tmp/lock.txt && rm /tmp/lock.txt
COPY --from=wheel /dist/ /tmp/dist/
# /tfx-dcai/schemas: the installed curated schemas at the path the compiled taxi pipeline names (CONTAINER_SCHEMA_DIR).
# /tfx-dcai/wheels keeps the wheel for Beam workers (--extra_package, docs/running.md).
RUN python -m pip install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && mkdir -p /tfx-dcai && mv /tmp/dist /tfx-dcai/wheels \
    && ln -s "$(python -c 'import os, tfx_dcai.schemas as s; print(os.path.dirname(s.__file__))')" /tfx-dcai/schemas
WORKDIR /tmp
ENTRYPOINT ["python", "-m", "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"]
