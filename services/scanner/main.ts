import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { startTracing } from "../common/tracing/start-tracing.js";
import { scannerConfig, scannerVariables } from "./config.js";
import { assembleScanner } from "./scanner-assembly.js";

const config = loadConfigOrExit("scanner", scannerVariables, scannerConfig);
// Before anything logs or starts a thread: both look once at whether tracing is on.
const tracing = await startTracing("scanner");
const { runtime, warmUp } = assembleScanner(config, createServiceBase("scanner", config, { tracing }));
runtime.stopOnSignals();
// Before it listens: readiness is what a first caller waits for, and it should find warm threads.
await warmUp();
await runtime.start();
