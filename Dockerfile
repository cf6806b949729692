# The image every step of the Kubeflow pipeline runs in: TFX 1.16 plus tfx-dcai, so the custom components,
# artifact types (components.DriftReport, ...) and the installed trainer (pipelines.trainer.taxi_trainer.run_fn) import.
#   docker build -t REGISTRY/tfx-dcai:0.1.0 . && docker push REGISTRY/tfx-dcai:0.1.0
#   dcai compile-kubeflow --output pipeline.json --image REGISTRY/tfx-dcai:0.1.0 \
#        --pipeline-root gs://BUCKET/tfx-dcai/root --data-root gs://BUCKET/tfx-dcai/data
FROM tensorflow/tfx:1.16.0

ENV TF_USE_LEGACY_KERAS=1
WORKDIR /tfx-dcai
COPY setup.py README.md ./
COPY components ./components
COPY pipelines ./pipelines
COPY schemas ./schemas
# The base image already holds the TFX 1.16 stack; this adds scipy/scikit-learn if missing and the package.
RUN python -m pip install --no-cache-dir -e /tfx-dcai
