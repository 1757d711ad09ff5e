// A real PostgreSQL server for tests. The code lives in scripts/cluster/ because
// `make run-cluster` starts the same server for its coordinators; tests keep importing it from here.
export * from "../../scripts/cluster/postgres-server.js";
