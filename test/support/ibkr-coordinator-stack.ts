// The end-to-end set-up the IBKR tests share: a fake TWS on loopback, the scanner as a process,
// and the coordinator as a process on MARKET_DATA=ibkr talking to that fake through the real
// @stoqey/ib, with a gRPC client on the coordinator. Each test still says what differs: the
// fake's options, the coordinator's IB_* and other settings, and whether the market ticks.
import { credentials } from "@grpc/grpc-js";
import { CoordinatorServiceClient } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { FakeTws, type FakeTwsOptions } from "../fixtures/fake-tws/index.js";
import { startScanner } from "./coordinator-pair.js";
import { freePorts, spawnService, type ServiceProcess } from "./service-process.js";

export interface IbkrCoordinatorStackOptions {
  readonly fake?: FakeTwsOptions;
  /** On top of the ports, SCANNER_ADDR, MARKET_DATA=ibkr, IB_HOST and IB_PORT (which it may override). */
  readonly coordinatorEnv?: Record<string, string>;
  /** Ticks the fake's market every so many ms once the coordinator is ready; none when absent. */
  readonly tickMs?: number;
}

export interface IbkrCoordinatorStack {
  readonly fake: FakeTws;
  /** Writable so that a test which restarts the scanner hands the new process to stop(). */
  scanner: ServiceProcess;
  readonly scannerPort: number;
  readonly coordinator: ServiceProcess;
  /** host:port of the coordinator's gRPC server. */
  readonly coordinatorAddress: string;
  readonly adminPort: number;
  readonly client: CoordinatorServiceClient;
  /** Starts (or restarts with another period) ticking the fake's market. */
  startTicking(periodMs: number): void;
  stopTicking(): void;
  /** Stops the ticks, closes the client, kills both processes and closes the fake. */
  stop(): Promise<void>;
}

/** Resolves once the coordinator logged "coordinator ready", i.e. it is connected to the fake TWS. */
export async function startIbkrCoordinatorStack(options: IbkrCoordinatorStackOptions = {}): Promise<IbkrCoordinatorStack> {
  const fake = await FakeTws.start(options.fake);
  const { process: scanner, port: scannerPort } = await startScanner();
  const coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    MARKET_DATA: "ibkr",
    IB_HOST: "127.0.0.1",
    IB_PORT: String(fake.port),
    ...options.coordinatorEnv,
  });
  const listening = await coordinator.waitForLog((line) => line.msg === "listening");
  const coordinatorAddress = `127.0.0.1:${listening.grpcPort as number}`;
  const client = new CoordinatorServiceClient(coordinatorAddress, credentials.createInsecure());
  await coordinator.waitForLog((line) => line.msg === "coordinator ready");

  let ticking: NodeJS.Timeout | undefined;
  const stack: IbkrCoordinatorStack = {
    fake,
    scanner,
    scannerPort,
    coordinator,
    coordinatorAddress,
    adminPort: listening.adminPort as number,
    client,
    startTicking(periodMs) {
      clearInterval(ticking);
      ticking = setInterval(() => fake.tick(), periodMs);
    },
    stopTicking() {
      clearInterval(ticking);
      ticking = undefined;
    },
    async stop() {
      stack.stopTicking();
      client.close();
      coordinator.kill();
      stack.scanner.kill();
      await fake.close();
    },
  };
  if (options.tickMs !== undefined) stack.startTicking(options.tickMs);
  return stack;
}
