import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { scannerConfig, scannerVariables } from "./config.js";

const config = scannerConfig(loadConfigOrExit("scanner", scannerVariables));
const { logger, registry, grpc } = createServiceBase("scanner", config);

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
