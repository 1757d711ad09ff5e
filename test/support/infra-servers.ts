// Real Redis and NATS servers for tests. The code lives in scripts/cluster/ because
// `make run-cluster` starts the same servers; tests keep importing it from here.
export * from "../../scripts/cluster/infra-servers.js";
