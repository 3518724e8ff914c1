#!/usr/bin/env bash
# Issue 10's check: the whole suite (PostgreSQL + Redis, every test, CI=true, two workers) run RUNS times (default
# 3) beside a CPU hog of two Python busy loops, one log per run in test-artifacts/hog-N.log with the load average
# each minute. Uses its own database (livinglab_hog), Redis databases 8-10 and channel prefixes (the test settings
# name them after the Redis database), so it does not disturb .ci/run, though each slows the other.
#     bench/suite_beside_hog.sh [RUNS]
set -u
cd "$(dirname "$0")/.."
runs=${1:-3}
mkdir -p test-artifacts
for i in $(seq 1 "$runs"); do
  psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS livinglab_hog WITH (FORCE)" \
    -c "CREATE DATABASE livinglab_hog"
  python3 -c 'while True: pass' & hog1=$!
  python3 -c 'while True: pass' & hog2=$!
  log=test-artifacts/hog-$i.log
  echo "== run $i of $runs, head $(git rev-parse --short HEAD), start $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)" > "$log"
  ( while sleep 60; do echo "load $(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; done ) >> "$log" & watcher=$!
  CI=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/livinglab_hog REDIS_URL=redis://127.0.0.1:6379/8 \
    .venv/bin/pytest -n 2 -p no:cacheprovider -q >> "$log" 2>&1
  echo "rc $? end $(date -u +%T)" >> "$log"
  kill "$watcher" "$hog1" "$hog2"
  tail -3 "$log"
done
