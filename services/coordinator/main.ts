import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { coordinatorConfig, coordinatorVariables } from "./config.js";

const config = coordinatorConfig(loadConfigOrExit("coordinator", coordinatorVariables));
const base = createServiceBase("coordinator", config);

const runtime = new ServiceRuntime({ ...base, listen: config, shutdownGraceMs: config.shutdownGraceMs });
runtime.stopOnSignals();
await runtime.start();
