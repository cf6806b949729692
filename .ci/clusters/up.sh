#!/usr/bin/env bash
# make cluster-up: loopback-only Beam engines for the runner-parity tests, each process recorded in a pid file
#   - a Beam Python SDK worker pool (worker_pool_main) from .venv          -> DCAI_WORKER_POOL
#   - a Spark 3.5 standalone master + two workers (separate JVMs) from the pyspark wheel in .venv-spark
#   - Beam's Spark and Flink job servers, if their jars are in $DCAI_CLUSTER_JARS or Maven serves them
#     (org.apache.beam:beam-runners-{spark-3,flink-1.18}-job-server:2.59.0) -> DCAI_{SPARK,FLINK}_JOB_ENDPOINT
# Writes $DCAI_CLUSTER_DIR/env (source it) naming what is up. make cluster-down stops exactly these processes.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
STATE=${DCAI_CLUSTER_DIR:-/tmp/dcai-cluster}
JARS=${DCAI_CLUSTER_JARS:-$STATE/jars}
BEAM_VERSION=2.59.0
POOL_PORT=${DCAI_WORKER_POOL_PORT:-50000}
SPARK_PORT=7077
SPARK_JOB_PORT=8099
FLINK_JOB_PORT=8199
export PATH="$HOME/.local/bin:$PATH" UV_PYTHON_DOWNLOADS=never SPARK_LOCAL_IP=127.0.0.1
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
mkdir -p "$STATE" "$JARS"
: > "$STATE/env"

start() {  # start NAME LOG CMD...: run CMD in the background, record its pid
  local name=$1 log=$2; shift 2
  if [ -f "$STATE/$name.pid" ] && kill -0 "$(cat "$STATE/$name.pid")" 2>/dev/null; then
    echo "cluster-up: $name already running (pid $(cat "$STATE/$name.pid"))"; return 0
  fi
  nohup "$@" > "$log" 2>&1 &
  echo $! > "$STATE/$name.pid"
  echo "cluster-up: $name started (pid $!, log $log)"
}

wait_port() {  # wait_port PORT SECONDS NAME
  for _ in $(seq "$2"); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 1; done
  echo "cluster-up: $3 does not listen on 127.0.0.1:$1 after $2 s" >&2; return 1
}

# 1. the Python SDK worker pool (the workers Flink and Spark start for the Python stages)
# (the pool starts each SDK worker as `python -c ...`, so the venv's python must come first on PATH)
PATH="$REPO/.venv/bin:$PATH" start worker_pool "$STATE/worker_pool.log" "$REPO/.venv/bin/python" \
    -m apache_beam.runners.worker.worker_pool_main --service_port="$POOL_PORT"
wait_port "$POOL_PORT" 60 "the worker pool"
echo "export DCAI_WORKER_POOL=localhost:$POOL_PORT" >> "$STATE/env"

# 2. Spark standalone: master + 2 workers from the pyspark wheel
if [ ! -x .venv-spark/bin/python ]; then
  uv venv --quiet -p "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" .venv-spark
  uv pip install --quiet -p .venv-spark/bin/python -r requirements/spark.txt
fi
SPARK_HOME=$(.venv-spark/bin/python -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME
start spark_master "$STATE/spark_master.log" "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$SPARK_PORT" --webui-port 18080
wait_port "$SPARK_PORT" 120 "the Spark master"
for i in 1 2; do
  mkdir -p "$STATE/spark_worker$i"
  start "spark_worker$i" "$STATE/spark_worker$i.log" "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
      "spark://127.0.0.1:$SPARK_PORT" --host 127.0.0.1 --cores 1 --memory 2g --webui-port "1808$i" \
      --work-dir "$STATE/spark_worker$i"
done
for _ in $(seq 120); do
  [ "$(grep -c 'Registering worker' "$STATE/spark_master.log" || true)" -ge 2 ] && break; sleep 1
done
echo "cluster-up: Spark master spark://127.0.0.1:$SPARK_PORT with $(grep -c 'Registering worker' "$STATE/spark_master.log" || true) workers"

# 3. Beam's job servers (Maven Central's copy reachable here may not serve them: the error is printed)
fetch_jar() {  # fetch_jar ARTIFACT -> path of the jar, or nothing
  local jar="$JARS/$1-$BEAM_VERSION.jar"
  if [ ! -f "$jar" ]; then
    mvn -B -q dependency:copy -Dartifact="org.apache.beam:$1:$BEAM_VERSION" -DoutputDirectory="$JARS" \
        > "$STATE/mvn-$1.log" 2>&1 || true
  fi
  if [ -f "$jar" ]; then echo "$jar"; else
    echo "cluster-up: $1:$BEAM_VERSION not available: $(grep -m1 -o 'Could not find artifact [^ ]*' \
         "$STATE/mvn-$1.log" || echo 'see '"$STATE/mvn-$1.log")" >&2
  fi
}
OPENS=$(printf -- '--add-opens=java.base/%s=ALL-UNNAMED ' java.lang java.lang.invoke java.lang.reflect java.io \
        java.net java.nio java.util java.util.concurrent java.util.concurrent.atomic sun.nio.ch sun.nio.cs \
        sun.security.action sun.util.calendar)
SPARK_JAR=$(fetch_jar beam-runners-spark-3-job-server)
if [ -n "$SPARK_JAR" ]; then
  # shellcheck disable=SC2086
  start spark_job_server "$STATE/spark_job_server.log" "$JAVA_HOME/bin/java" $OPENS -jar "$SPARK_JAR" \
      --spark-master-url="spark://127.0.0.1:$SPARK_PORT" --job-host=127.0.0.1 --job-port="$SPARK_JOB_PORT" \
      --artifact-port=0 --expansion-port=0
  wait_port "$SPARK_JOB_PORT" 120 "the Spark job server" && \
      echo "export DCAI_SPARK_JOB_ENDPOINT=localhost:$SPARK_JOB_PORT" >> "$STATE/env"
fi
FLINK_JAR=$(fetch_jar beam-runners-flink-1.18-job-server)
if [ -n "$FLINK_JAR" ]; then
  # flink-dist is not served either, so the job server runs Flink's embedded cluster ([local])
  # shellcheck disable=SC2086
  start flink_job_server "$STATE/flink_job_server.log" "$JAVA_HOME/bin/java" $OPENS -jar "$FLINK_JAR" \
      --flink-master='[local]' --job-host=127.0.0.1 --job-port="$FLINK_JOB_PORT" --artifact-port=0 --expansion-port=0
  wait_port "$FLINK_JOB_PORT" 120 "the Flink job server" && \
      echo "export DCAI_FLINK_JOB_ENDPOINT=localhost:$FLINK_JOB_PORT" >> "$STATE/env"
fi
echo "cluster-up: up ($STATE/env):"; sed 's/^/  /' "$STATE/env"
