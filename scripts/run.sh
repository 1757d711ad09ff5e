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
gateway_port=${GATEWAY_PORT:-8080}
# Shared by the coordinator and the gateway, so that limits count each browser (docs/gateway.md).
export GATEWAY_SECRET=${GATEWAY_SECRET:-$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))')}

pids=()
# Ctrl-C reaches every process of the terminal's group, the services included: signalling
# them again would be a second signal, which exits at once. So on SIGINT wait for them; on
# SIGTERM, or when one service ends, stop the others.
on_interrupt() {
  trap - INT TERM EXIT
  wait || true
}
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap on_interrupt INT
trap stop_all TERM EXIT

node dist/services/scanner/main.js & pids+=($!)
node dist/services/coordinator/main.js & pids+=($!)
COORDINATOR_ADDR=127.0.0.1:$coordinator_port GATEWAY_PORT=$gateway_port node dist/services/gateway/main.js & pids+=($!)

coordinator_admin=${COORDINATOR_ADMIN_PORT:-9452}
# The banner once the coordinator answers, so that the first command shown works.
node -e '
  const url = process.argv[1];
  const deadline = Date.now() + 30000;
  const poll = () => fetch(url).then((r) => (r.ok ? process.exit(0) : retry()), retry);
  const retry = () => (Date.now() > deadline ? process.exit(1) : setTimeout(poll, 200));
  poll();
' "http://127.0.0.1:$coordinator_admin/readyz" || echo "  (the coordinator is not ready yet; see its log above)"

cat <<BANNER

  spreadscan is running on the simulated market:
    coordinator 127.0.0.1:$coordinator_port (admin http://127.0.0.1:$coordinator_admin/metrics)
    scanner     127.0.0.1:$scanner_port
    gateway     http://127.0.0.1:$gateway_port (the same services over Connect and gRPC-Web, for browsers, and gRPC)

  Open http://127.0.0.1:$gateway_port in a browser for the scan page.

  From another terminal in this directory, scan, watch and batch with the CLI:

    npx spreadscan scan SPY
    npx spreadscan scan SPY --strategy bull-put,bear-call --max-dte 45 --max-short-delta 0.3 --max-width 5
    npx spreadscan watch QQQ --strategy iron-condor --max-dte 30 --max-width 5
    npx spreadscan batch SPY QQQ IWM --strategy bull-put --max-dte 30 --max-width 5
    npx spreadscan universe SPY QQQ IWM AAPL MSFT --strategy bull-put,bear-call --max-dte 45 --max-width 5 --per-symbol 3
    npx spreadscan watchlist create megacaps AAPL MSFT NVDA AMZN && npx spreadscan universe --watchlist megacaps
    npx spreadscan jobs          npx spreadscan metrics          npx spreadscan health

  or with grpcurl and buf curl (server reflection, no .proto files needed):

    .tools/bin/grpcurl -plaintext -d '{"symbol":"SPY","query":{"strategies":["STRATEGY_BULL_PUT"],"filters":{"maxDte":45,"maxWidth":5},"limit":5}}' \\
      127.0.0.1:$coordinator_port spreadscan.coordinator.v1.CoordinatorService/Scan
    node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge \\
      -d '{"symbol":"SPY","query":{"strategies":["STRATEGY_BULL_PUT"],"filters":{"maxDte":45,"maxWidth":5},"limit":5}}' \\
      http://127.0.0.1:$coordinator_port/spreadscan.coordinator.v1.CoordinatorService/Scan

  or over HTTP through the gateway, as a browser calls it (the Connect protocol's JSON):

    curl -s -H 'content-type: application/json' -d '{"symbol":"SPY","query":{"strategies":["STRATEGY_BULL_PUT"],"filters":{"maxDte":45,"maxWidth":5},"limit":5}}' \\
      http://127.0.0.1:$gateway_port/spreadscan.coordinator.v1.CoordinatorService/Scan

  Ctrl-C stops them all.

BANNER
wait -n
