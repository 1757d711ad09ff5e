// How every client of ours (the CLI to the coordinator, the coordinator to the scanner)
// secures and authenticates its channel: TLS from a ClientTls, and an API key sent as
// `authorization: Bearer <key>` on every call, unary and streaming alike; and, with tracing
// on, a CLIENT span per call carrying its trace context to the server.
import { CallCredentials, InterceptingCall, Metadata, type ChannelCredentials, type Interceptor } from "@grpc/grpc-js";
import { channelCredentials, tlsChannelOptions, type ClientTls } from "./tls.js";
import { tracingInterceptors } from "./tracing/client-interceptor.js";

export interface ClientCredentials {
  /** The channel's credentials; over TLS they carry the API key as call credentials. */
  readonly credentials: ChannelCredentials;
  /** Channel options TLS needs besides its credentials (the server name to expect). */
  readonly channelOptions: Readonly<Record<string, string>>;
  /**
   * The tracing interceptor while tracing is on, and for a plaintext channel with an API key the
   * interceptor that sends it. Give every client of the channel these.
   */
  readonly interceptors: readonly Interceptor[];
}

const AUTHORIZATION = "authorization";

/**
 * Credentials for a client channel. An API key rides on the TLS credentials as call
 * credentials; grpc-js refuses call credentials on a plaintext channel (they would travel in
 * the clear), so there, a loopback or test setup, an interceptor adds the same header.
 * Throws what grpc-js throws for a certificate or key it cannot use.
 */
export function clientCredentials(tls: ClientTls | undefined, apiKey: string | undefined): ClientCredentials {
  const channel = channelCredentials(tls);
  const channelOptions = tlsChannelOptions(tls);
  const traced = tracingInterceptors();
  if (!apiKey) return { credentials: channel, channelOptions, interceptors: traced };
  if (tls) return { credentials: channel.compose(bearerCallCredentials(apiKey)), channelOptions, interceptors: traced };
  return { credentials: channel, channelOptions, interceptors: [...traced, bearerInterceptor(apiKey)] };
}

function bearer(apiKey: string): string {
  return `Bearer ${apiKey}`;
}

function bearerCallCredentials(apiKey: string): CallCredentials {
  return CallCredentials.createFromMetadataGenerator((_options, callback) => {
    const metadata = new Metadata();
    metadata.set(AUTHORIZATION, bearer(apiKey));
    callback(null, metadata);
  });
}

function bearerInterceptor(apiKey: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTHORIZATION, bearer(apiKey));
        next(metadata, listener);
      },
    });
}
