// How a command secures and authenticates its connection to the coordinator: the TLS, mutual
// TLS and API key flags, the credentials and interceptors built from them, and the hints that
// say which of those flags to change when a handshake or a key is refused.
import { isIP } from "node:net";
import { status as GrpcStatus, type ChannelCredentials, type Interceptor, type ServiceError } from "@grpc/grpc-js";
import { InvalidArgumentError, Option, type Command } from "commander";
import { clientCredentials, type ClientCredentials } from "../common/client-credentials.js";
import { readPem, type ClientTls } from "../common/tls.js";
import { UsageError } from "./usage-error.js";

export const CA_FILE_ENV = "SPREADSCAN_CA_FILE";
export const CERT_FILE_ENV = "SPREADSCAN_CERT_FILE";
export const KEY_FILE_ENV = "SPREADSCAN_KEY_FILE";
export const SERVER_NAME_ENV = "SPREADSCAN_SERVER_NAME";
export const API_KEY_ENV = "SPREADSCAN_API_KEY";

/** A PEM file named by a flag, read when the command line is parsed. */
export interface PemFile {
  readonly path: string;
  readonly contents: Buffer;
}

/** The options `addSecurityFlags` adds, as commander parses them. */
export interface SecurityOptions {
  /** TLS with the system's roots; --ca, --cert, --key and --server-name imply TLS too. */
  readonly tls?: boolean;
  readonly ca?: PemFile;
  readonly cert?: PemFile;
  readonly key?: PemFile;
  readonly serverName?: string;
  /** Sent as `authorization: Bearer <key>` on every call. Never printed. */
  readonly apiKey?: string;
}

const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
};

/** A PEM file flag's value: the file, read now (once); a file that cannot be read is bad usage. */
function parsePemFile(text: string): PemFile {
  if (text === "") throw new InvalidArgumentError("expected the path of a PEM file.");
  try {
    return { path: text, contents: readPem(text) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === undefined ? "it is not a PEM file" : (FILE_PROBLEMS[code] ?? (error as Error).message);
    throw new InvalidArgumentError(`cannot use it: ${problem}.`);
  }
}

function parseServerName(text: string): string {
  const name = text.trim();
  if (!/^[A-Za-z0-9.:_*-]+$/.test(name)) throw new InvalidArgumentError("expected a host name, like coordinator.example.com.");
  return name;
}

/**
 * Adds --tls, --ca, --cert, --key, --server-name and --api-key to `command`, in `helpGroup`.
 * The PEM files are read as the command line is parsed, so an unreadable one is a usage error
 * naming the flag and the file before anything is sent.
 */
export function addSecurityFlags(command: Command, helpGroup: string): Command {
  return (
    command
      .addOption(new Option("--tls", "connect over TLS, trusting the system's certificate authorities").helpGroup(helpGroup))
      .addOption(
        new Option("--ca <file>", "PEM certificate authority the coordinator's certificate must chain to (implies TLS)")
          .env(CA_FILE_ENV)
          .argParser(parsePemFile)
          .helpGroup(helpGroup),
      )
      .addOption(
        new Option("--cert <file>", "PEM client certificate, for mutual TLS; needs --key (implies TLS)")
          .env(CERT_FILE_ENV)
          .argParser(parsePemFile)
          .helpGroup(helpGroup),
      )
      .addOption(new Option("--key <file>", "PEM private key of --cert (implies TLS)").env(KEY_FILE_ENV).argParser(parsePemFile).helpGroup(helpGroup))
      .addOption(
        new Option("--server-name <name>", "name to verify in the coordinator's certificate, when it is not --addr's host (implies TLS)")
          .env(SERVER_NAME_ENV)
          .argParser(parseServerName)
          .helpGroup(helpGroup),
      )
      // No argParser: commander repeats a refused value in its message, and a key is never shown.
      .addOption(
        new Option("--api-key <key>", `API key, sent as \`authorization: Bearer <key>\`; prefer $${API_KEY_ENV}, since other users can see flags in \`ps\``)
          .env(API_KEY_ENV)
          .helpGroup(helpGroup),
      )
  );
}

/** How the connection is secured and authenticated, built once from the flags. */
export interface ConnectionSecurity {
  readonly credentials: ChannelCredentials;
  readonly channelOptions: Readonly<Record<string, string>>;
  readonly interceptors: readonly Interceptor[];
  readonly tls: boolean;
  /** The --ca file, when given; otherwise TLS trusts the system's roots. */
  readonly caPath?: string;
  /** The --cert file, when given (mutual TLS). */
  readonly certPath?: string;
  readonly serverName?: string;
  readonly sendsApiKey: boolean;
}

/**
 * Node warns (DEP0123) whenever a TLS connection is made to an IP address, because grpc-js
 * sends the address as the server name; the certificate is still checked against it. The
 * user did nothing wrong, so that one warning is left out; every other is printed as before.
 */
let ipServerNameWarningMuted = false;
function muteIpServerNameWarning(): void {
  if (ipServerNameWarningMuted) return;
  ipServerNameWarningMuted = true;
  const printers = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (warning: Error & { code?: string }) => {
    if (warning.code === "DEP0123") return;
    for (const print of printers) print.call(process, warning);
  });
}

/** The host of a grpc-js target: "127.0.0.1" of "127.0.0.1:50052", "::1" of "[::1]:50052". */
function hostOf(address: string): string {
  return /^\[(.*)\]:\d+$/.exec(address)?.[1] ?? address.replace(/:\d+$/, "");
}

/**
 * Credentials, channel options and interceptors for a connection to `address` from the security
 * flags. Bad combinations (--cert without --key, a key that cannot be sent) are UsageErrors;
 * none of them names the key.
 */
export function connectionSecurity(address: string, options: SecurityOptions): ConnectionSecurity {
  const { ca, cert, key, serverName } = options;
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError([
      cert === undefined
        ? `--key (or $${KEY_FILE_ENV}) needs --cert (or $${CERT_FILE_ENV}): give the client certificate and its key together, or neither`
        : `--cert (or $${CERT_FILE_ENV}) needs --key (or $${KEY_FILE_ENV}): give the client certificate and its key together, or neither`,
    ]);
  }
  // An empty variable counts as unset, as shells and CI systems often leave them.
  const apiKey = options.apiKey?.trim() ?? "";
  if (apiKey !== "" && !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new UsageError([`--api-key (or $${API_KEY_ENV}): an API key is printable ASCII without spaces; the one given is not (it is not shown)`]);
  }
  const tls = options.tls === true || ca !== undefined || cert !== undefined || serverName !== undefined;

  const clientTls: ClientTls | undefined = tls ? { ca: ca?.contents, certificate: cert?.contents, privateKey: key?.contents, serverName } : undefined;
  let secured: ClientCredentials;
  try {
    secured = clientCredentials(clientTls, apiKey === "" ? undefined : apiKey);
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "no start line"): it never quotes the files.
    const files = [ca && `--ca ${ca.path}`, cert && `--cert ${cert.path}`, key && `--key ${key.path}`].filter(Boolean).join(", ");
    throw new UsageError([`cannot use ${files}: ${error instanceof Error ? error.message : String(error)}`]);
  }
  if (tls && serverName === undefined && isIP(hostOf(address)) !== 0) muteIpServerNameWarning();

  return {
    credentials: secured.credentials,
    channelOptions: secured.channelOptions,
    interceptors: secured.interceptors,
    tls,
    ...(ca ? { caPath: ca.path } : {}),
    ...(cert ? { certPath: cert.path } : {}),
    ...(serverName === undefined ? {} : { serverName }),
    sendsApiKey: apiKey !== "",
  };
}

// ---- failures to hints ---------------------------------------------------------------------

/**
 * grpc-js's own words for why no connection was made ("connect ECONNREFUSED 127.0.0.1:50052"),
 * shortened: OpenSSL's reason alone out of its error string, without grpc-js's timestamp.
 */
export function connectionCause(details: string): string {
  const lastError = /Last error: (?:Error: )?([\s\S]*?)(?:\.? Resolution note:[\s\S]*)?$/.exec(details)?.[1] ?? details;
  const openSsl = /SSL routines:[^:]*:([^:\n]+)/.exec(lastError)?.[1];
  return (openSsl ?? lastError).replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)\s*$/, "").trim();
}

/** How to name a flag and its variable in a hint: "--ca (or $SPREADSCAN_CA_FILE)". */
const flagOrEnv = (flag: string, env: string): string => `${flag} (or $${env})`;
const TLS_FLAGS = "--tls, --ca, --cert, --key and --server-name (and their SPREADSCAN_* variables)";

/**
 * When the reason no connection to `address` was made points at TLS, the lines that say what
 * to change: the first names the problem and keeps grpc-js's words, the second names the flags.
 * Undefined when the reason has nothing to do with TLS (nothing listening, say).
 */
export function tlsFailureLines(code: string, cause: string, address: string, security: ConnectionSecurity): string[] | undefined {
  const { tls, caPath, certPath, serverName } = security;
  const at = `the coordinator at ${address}`;
  const handshake = (hint: string): string[] => [`${code}: TLS handshake with ${at} failed (${cause})`, hint];
  const dropped = /Failed to connect|ECONNRESET|socket hang up|Connection (?:closed|dropped)|disconnected before secure TLS/i.test(cause);

  if (!tls) {
    if (!dropped) return undefined;
    return [
      `${code}: ${at} closed the connection before gRPC began (${cause})`,
      `if it serves TLS, connect with --tls, or ${flagOrEnv("--ca FILE", CA_FILE_ENV)} for a private CA; for mutual TLS add --cert and --key`,
    ];
  }
  if (/wrong version number|packet length too long|unknown protocol|http request/i.test(cause)) {
    return [`${code}: ${at} does not speak TLS (${cause})`, `connect in plaintext: leave out ${TLS_FLAGS}`];
  }
  if (/altname|ERR_TLS_CERT_ALTNAME|does not match certificate/i.test(cause)) {
    return handshake(
      `the coordinator's certificate does not name ${serverName ?? hostOf(address)}: give a name it carries with ${flagOrEnv("--server-name", SERVER_NAME_ENV)}`,
    );
  }
  if (
    /self[- ]signed|unable to (?:get|verify)|local issuer|CERT_|certificate (?:has expired|is not yet valid)|unknown ca/i.test(cause) &&
    !/alert/i.test(cause)
  ) {
    return handshake(
      caPath === undefined
        ? `the coordinator's certificate is not issued by a CA this system trusts: give its CA with ${flagOrEnv("--ca FILE", CA_FILE_ENV)}`
        : `the coordinator's certificate does not chain to --ca ${caPath}: give the CA that issued it`,
    );
  }
  if (/certificate required|alert|handshake failure/i.test(cause) || dropped) {
    return handshake(
      certPath === undefined
        ? `the coordinator ${/certificate required/i.test(cause) ? "asks" : "may ask"} for a client certificate (mutual TLS): ` +
            `give ${flagOrEnv("--cert FILE", CERT_FILE_ENV)} and ${flagOrEnv("--key FILE", KEY_FILE_ENV)}`
        : `the coordinator refused the client certificate --cert ${certPath}: it must be issued by a CA the coordinator trusts`,
    );
  }
  if (/SSL|TLS|certificate/i.test(cause)) return handshake(`check ${TLS_FLAGS}`);
  return undefined;
}

/** What to do about a refused API key, or one without the scope the call needs. */
export function authHint(error: ServiceError, security: ConnectionSecurity): string | undefined {
  if (error.code === GrpcStatus.UNAUTHENTICATED) {
    return security.sendsApiKey
      ? `the coordinator refused the API key: check ${flagOrEnv("--api-key", API_KEY_ENV)}`
      : `the coordinator needs an API key: set $${API_KEY_ENV}, or pass --api-key`;
  }
  if (error.code === GrpcStatus.PERMISSION_DENIED) {
    const scope = /lacks the (\w+) scope/.exec(error.details)?.[1];
    return `this API key lacks the ${scope === undefined ? "scope" : `${scope} scope`} this command needs: use a key that has it (${flagOrEnv("--api-key", API_KEY_ENV)})`;
  }
  return undefined;
}
