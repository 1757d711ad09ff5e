// A TCP forwarder on loopback whose connections onward leave from a chosen loopback address
// (127.0.0.2, 127.0.0.3, ...: all of 127/8 is loopback on Linux), so that one test process
// can call a service as several hosts. It only moves bytes; the gRPC client and server at
// either end are the real ones.
import { connect, createServer, type Socket } from "node:net";

export interface SourceAddressForwarder {
  /** Where to point a client: "127.0.0.1:<port>". */
  readonly address: string;
  close(): Promise<void>;
}

export async function forwardFrom(localAddress: string, target: { host: string; port: number }): Promise<SourceAddressForwarder> {
  const sockets = new Set<Socket>();
  const keep = (socket: Socket): Socket => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    return socket;
  };
  const server = createServer((incoming) => {
    keep(incoming);
    const outgoing = keep(connect({ host: target.host, port: target.port, localAddress }));
    incoming.pipe(outgoing).pipe(incoming);
    incoming.on("error", () => outgoing.destroy());
    outgoing.on("error", () => incoming.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
