// Scanner replicas on the chain bus, assembled in the test's process against a real
// nats-server: what the chain-bus integration tests start, update and close.
import { credentials } from "@grpc/grpc-js";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScannerServiceClient, UpdateChainRequest, type UpdateChainResponse, type UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import type { StoredChain } from "../../services/scanner/chain-store.js";
import { callUnary } from "./echo-server.js";
import { startInProcessScanner, type InProcessScanner } from "./in-process-scanner.js";

export interface BusReplica {
  readonly service: InProcessScanner;
  readonly client: ScannerServiceClient;
  /** Every version the replica's store took, in order, by symbol. */
  readonly versions: Map<string, bigint[]>;
}

/** A replica with NATS_URL, once it has read the stream unless `waitForBus` is false. */
export async function startBusReplica(natsUrl: string, { waitForBus = true } = {}): Promise<BusReplica> {
  const service = await startInProcessScanner({ natsUrl });
  const client = new ScannerServiceClient(`127.0.0.1:${service.port}`, credentials.createInsecure(), { "grpc.max_send_message_length": 16 * 1024 * 1024 });
  const versions = new Map<string, bigint[]>();
  service.store.events.on("updated", (stored: StoredChain) => versions.set(stored.symbol, [...(versions.get(stored.symbol) ?? []), stored.version]));
  if (waitForBus) await service.bus?.synced;
  return { service, client, versions };
}

/** UpdateChain on one replica; throws its error. */
export async function updateChain(replica: BusReplica, chain: OptionChain, mode: UpdateMode): Promise<UpdateChainResponse> {
  const { response, error } = await callUnary(replica.client.updateChain.bind(replica.client), UpdateChainRequest.fromPartial({ chain, mode }));
  if (error) throw error;
  return response!;
}

export async function closeBusReplicas(replicas: readonly BusReplica[]): Promise<void> {
  for (const replica of replicas) {
    replica.client.close();
    await replica.service.close();
  }
}
