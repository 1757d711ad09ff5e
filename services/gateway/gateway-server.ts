// The gateway's listener. Browsers speak the Connect protocol or gRPC-Web over HTTP/1.1 or
// HTTP/2; gRPC clients need HTTP/2. With TLS, one HTTP/2 server that also accepts HTTP/1.1
// (ALPN) serves them all. Without TLS there is no ALPN, so each cleartext connection is
// routed by its first bytes: the HTTP/2 connection preface to an HTTP/2 server, anything
// else to an HTTP/1.1 one.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { ServerTls } from "../common/tls.js";

export type RequestHandler = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => void;

/** "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n": how every HTTP/2 connection without TLS begins (RFC 9113, 3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface GatewayListener {
  readonly server: Server;
  /** Stops accepting connections and closes idle ones; connections with calls in flight end when they finish. */
  close(): Promise<void>;
  /** Ends every connection at once. */
  destroyConnections(): void;
}

export function createGatewayListener(handler: RequestHandler, tls: ServerTls | undefined): GatewayListener {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  if (tls) {
    const secure = createSecureServer({ cert: tls.certificate, key: tls.privateKey, allowHTTP1: true }, handler);
    secure.on("connection", track);
    return {
      server: secure,
      close: () => new Promise((resolve) => secure.close(() => resolve())),
      destroyConnections: () => sockets.forEach((socket) => socket.destroy()),
    };
  }
  const http1 = createHttpServer(handler);
  const http2 = createHttp2Server(handler);
  const routing = createNetServer((socket) => {
    track(socket);
    let head = Buffer.alloc(0);
    const route = (): void => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) head = Buffer.concat([head, chunk]);
      const length = Math.min(head.length, HTTP2_PREFACE.length);
      const prefaceSoFar = head.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
      if (prefaceSoFar && head.length < HTTP2_PREFACE.length) return;
      socket.off("readable", route);
      socket.unshift(head);
      (prefaceSoFar ? http2 : http1).emit("connection", socket);
    };
    socket.on("readable", route);
  });
  return {
    server: routing,
    close: async () => {
      await new Promise<void>((resolve) => routing.close(() => resolve()));
      http1.closeIdleConnections();
    },
    destroyConnections: () => sockets.forEach((socket) => socket.destroy()),
  };
}
