// The channel layer: the channels to the scanner target, each balancing its calls
// round-robin over every address the target resolves to (the scanner's replicas), calls
// spread over the channels in turn, and a fresh channel for the circuit's probe.
import { connectivityState, type ChannelOptions, type Interceptor } from "@grpc/grpc-js";
import { HealthClient } from "../../../gen/ts/grpc/health/v1/health.js";
import { ScannerServiceClient } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { clientCredentials } from "../../common/client-credentials.js";
import type { Logger } from "../../common/logger.js";
import type { ClientTls } from "../../common/tls.js";

export interface ScannerChannelsOptions {
  /** SCANNER_ADDR: host:port; a name resolving to several addresses is balanced round-robin. */
  readonly address: string;
  /** Channels (each its own HTTP/2 connection per address), used in turn (SCANNER_CHANNELS). */
  readonly channels: number;
  /** TLS to the scanner (SCANNER_TLS_*), mutual when it holds a certificate and key; absent: plaintext. */
  readonly tls?: ClientTls | undefined;
  /** Sent as `authorization: Bearer <key>` on every call (SCANNER_API_KEY). */
  readonly apiKey?: string | undefined;
  /** grpc-js channel options laid over ours: for tests and tuning. */
  readonly channelOptions?: ChannelOptions | undefined;
  readonly logger?: Logger | undefined;
}

const MIB = 1024 * 1024;

/**
 * Channel options of every channel to the scanner. grpc-js's transparent retries stay on:
 * they resend only a call that never reached a server (a connection being recycled, say),
 * invisibly to callers and to our own retry layer and breaker.
 */
const SCANNER_CHANNEL_OPTIONS: ChannelOptions = {
  "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  // Chains are large, in both directions.
  "grpc.max_send_message_length": 16 * MIB,
  "grpc.max_receive_message_length": 16 * MIB,
  // Notice a dead scanner on an idle connection (watches sit idle for long) within ~40 s;
  // the scanner lets clients ping down to every 10 s.
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  // A channel in reconnect backoff fails calls at once; the circuit's probe gets a fresh
  // channel when its own is backing off, and other calls wait out no more than this. It is
  // also how soon a scanner replica restarted after an outage is found again (round_robin
  // sends it nothing until its address reconnects): at most 1 s (+20% jitter), for one
  // connection attempt a second per dead address and channel.
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 1_000,
  // Without it grpc-js shares one connection among identical channels and the pool is moot.
  "grpc.use_local_subchannel_pool": 1,
};

export class ScannerChannels {
  private readonly clients: ScannerServiceClient[];
  private readonly newChannelClient: () => ScannerServiceClient;
  private readonly newHealthClient: (channelOf: ScannerServiceClient) => HealthClient;
  /** Rides on the first channel, and is remade with it. */
  private healthClient: HealthClient;
  private readonly logger: Logger | undefined;
  private nextChannel = 0;

  constructor(options: ScannerChannelsOptions) {
    this.logger = options.logger;
    const secured = clientCredentials(options.tls, options.apiKey);
    const { interceptors: extraInterceptors, ...overrides } = options.channelOptions ?? {};
    const interceptors: Interceptor[] = [...secured.interceptors, ...((extraInterceptors as Interceptor[] | undefined) ?? [])];
    const channelOptions: ChannelOptions = { ...SCANNER_CHANNEL_OPTIONS, ...secured.channelOptions, ...overrides };
    // A fresh options object per client: grpc-js takes the interceptors out of the one it is given.
    const clientOptions = (): ChannelOptions => ({ ...channelOptions, interceptors: [...interceptors] });
    this.newChannelClient = () => new ScannerServiceClient(options.address, secured.credentials, clientOptions());
    this.newHealthClient = (client) =>
      new HealthClient(options.address, secured.credentials, { channelOverride: client.getChannel(), interceptors: [...interceptors] });
    this.clients = Array.from({ length: options.channels }, () => this.newChannelClient());
    this.healthClient = this.newHealthClient(this.channelClient(0));
  }

  get health(): HealthClient {
    return this.healthClient;
  }

  /** The next channel in turn. */
  pick(): ScannerServiceClient {
    return this.channelClient(this.nextChannelIndex());
  }

  /**
   * The channel for the circuit's probe. One still in reconnect backoff from the outage would
   * fail the probe at once, without reaching a scanner that is back, and keep the circuit open
   * for another timeout; it is replaced by a fresh channel, which connects at once. (grpc-js
   * has no way to reset a channel's backoff.) Nothing else is using it: it is not connected.
   */
  pickForProbe(): ScannerServiceClient {
    const index = this.nextChannelIndex();
    const current = this.channelClient(index);
    if (current.getChannel().getConnectivityState(false) !== connectivityState.TRANSIENT_FAILURE) return current;
    const fresh = this.newChannelClient();
    this.clients[index] = fresh;
    if (index === 0) this.healthClient = this.newHealthClient(fresh);
    current.close();
    this.logger?.info({ channel: index }, "probing the scanner on a fresh channel: the old one was backing off");
    return fresh;
  }

  /** Closes every channel (the health client rides on the first). */
  close(): void {
    for (const client of this.clients) client.close();
  }

  private nextChannelIndex(): number {
    const index = this.nextChannel;
    this.nextChannel = (index + 1) % this.clients.length;
    return index;
  }

  private channelClient(index: number): ScannerServiceClient {
    const client = this.clients[index];
    if (!client) throw new RangeError(`no channel ${index}`);
    return client;
  }
}
