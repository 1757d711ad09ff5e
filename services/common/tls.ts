// TLS for both services and for the coordinator's link to the scanner, from PEM files named
// by environment variables. Files are read once at start, so a bad path stops the service
// with a configuration error rather than failing the first call.
import { readFileSync } from "node:fs";
import { ChannelCredentials, ServerCredentials } from "@grpc/grpc-js";

/** The server's side: its certificate and key, and for mutual TLS the CA its clients' certificates must chain to. */
export interface ServerTls {
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
  /** Present: clients must show a certificate issued by this CA (mutual TLS). */
  readonly clientCa?: Buffer | undefined;
}

/** A client's side: the CA the server's certificate must chain to, and for mutual TLS its own certificate and key. */
export interface ClientTls {
  /** Absent: the system's certificate authorities. */
  readonly ca?: Buffer | undefined;
  readonly certificate?: Buffer | undefined;
  readonly privateKey?: Buffer | undefined;
  /** The name to expect in the server's certificate when it differs from the address's host. */
  readonly serverName?: string | undefined;
}

/** Reads a PEM file; throws an Error naming the file when it cannot be read or is not PEM. */
export function readPem(path: string): Buffer {
  const contents = readFileSync(path);
  if (!contents.toString("latin1").includes("-----BEGIN ")) throw new Error(`${path} is not a PEM file`);
  return contents;
}

export function serverCredentials(tls: ServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.certificate, private_key: tls.privateKey }], tls.clientCa !== undefined);
}

export function channelCredentials(tls: ClientTls | undefined): ChannelCredentials {
  if (!tls) return ChannelCredentials.createInsecure();
  return ChannelCredentials.createSsl(tls.ca ?? null, tls.privateKey ?? null, tls.certificate ?? null);
}

/** Channel options a client TLS setting needs besides its credentials. */
export function tlsChannelOptions(tls: ClientTls | undefined): Record<string, string> {
  return tls?.serverName ? { "grpc.ssl_target_name_override": tls.serverName, "grpc.default_authority": tls.serverName } : {};
}
