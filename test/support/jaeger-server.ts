// Jaeger for tests. The code lives in scripts/cluster/ because `make run-cluster` starts the
// same server; tests import it from here.
export * from "../../scripts/cluster/jaeger-server.js";
