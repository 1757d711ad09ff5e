#!/usr/bin/env bash
# Starts the scanner and the coordinator from dist/ with readable logs, and stops both on
# Ctrl-C. Ports and every other setting come from the environment (see README).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export LOG_FORMAT=${LOG_FORMAT:-pretty}
scanner_port=${SCANNER_PORT:-50051}
coordinator_port=${COORDINATOR_PORT:-50052}
export SCANNER_ADDR=${SCANNER_ADDR:-127.0.0.1:$scanner_port}

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

node dist/services/scanner/main.js & pids+=($!)
node dist/services/coordinator/main.js & pids+=($!)

cat <<BANNER

  spreadscan is starting: scanner on 127.0.0.1:$scanner_port, coordinator on 127.0.0.1:$coordinator_port.
  Ask them what they serve (server reflection), and whether they are healthy:

    .tools/bin/grpcurl -plaintext 127.0.0.1:$coordinator_port list
    .tools/bin/grpcurl -plaintext 127.0.0.1:$coordinator_port grpc.health.v1.Health/Check
    node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:$scanner_port

  Ctrl-C stops both.

BANNER
wait -n
