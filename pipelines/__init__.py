"""tfx-dcai pipelines: the Chicago taxi pipeline, its runners and the `dcai` CLI (installed as `tfx_dcai.pipelines`)."""
from tfx_dcai.schemas import schema_path

TAXI_SCHEMA = schema_path("taxi")
