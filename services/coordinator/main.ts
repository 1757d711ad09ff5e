import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { coordinatorConfig, coordinatorVariables } from "./config.js";

const config = coordinatorConfig(loadConfigOrExit("coordinator", coordinatorVariables));
const { logger, registry, grpc } = createServiceBase("coordinator", config);

const runtime = new ServiceRuntime({
  logger,
  grpc,
  registry,
  host: config.host,
  port: config.port,
  adminHost: config.host,
  adminPort: config.adminPort,
  shutdownGraceMs: config.shutdownGraceMs,
});
runtime.stopOnSignals();
await runtime.start();
