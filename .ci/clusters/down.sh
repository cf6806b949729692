#!/usr/bin/env bash
# make cluster-down: stop the processes `make cluster-up` recorded (their pid files only), newest first.
set -uo pipefail
STATE=${DCAI_CLUSTER_DIR:-/tmp/dcai-cluster}
for name in flink_job_server spark_job_server spark_worker2 spark_worker1 spark_master worker_pool; do
  file="$STATE/$name.pid"
  [ -f "$file" ] || continue
  pid=$(cat "$file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "cluster-down: stopped $name (pid $pid)"
  fi
  rm -f "$file"
done
: > "$STATE/env" 2>/dev/null || true
