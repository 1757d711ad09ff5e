// A throwaway certificate authority, and server and client certificates it signs, made
// with openssl in a temporary directory, for TLS and mutual-TLS tests on loopback.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CertificateFiles {
  readonly directory: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate from a CA the servers do not trust. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  read(path: string): Buffer;
}

function openssl(directory: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: directory, stdio: "pipe" });
}

function authority(directory: string, name: string): void {
  openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`);
}

function signed(directory: string, name: string, ca: string, extensions: string): void {
  writeFileSync(join(directory, `${name}.ext`), extensions);
  openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
  openssl(
    directory,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  );
}

export function makeThrowawayCertificates(): CertificateFiles {
  const directory = mkdtempSync(join(tmpdir(), "spreadscan-tls-"));
  authority(directory, "ca");
  authority(directory, "stranger-ca");
  signed(directory, "server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  signed(directory, "client", "ca", "extendedKeyUsage=clientAuth\n");
  signed(directory, "stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
  const at = (file: string): string => join(directory, file);
  return {
    directory,
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    strangerCert: at("stranger.crt"),
    strangerKey: at("stranger.key"),
    read: (path) => readFileSync(path),
  };
}
