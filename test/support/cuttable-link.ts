// A TCP link between one client and a server that a test can cut and heal, on a loopback
// port of its own: a network partition between that client and the server, while other
// clients still reach the server directly.
import { createServer, connect, type Server, type Socket } from "node:net";
import { freeLoopbackPort } from "./infra-servers.js";

export interface CuttableLink {
  /** host:port the client connects to. */
  readonly port: number;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

export async function startCuttableLink(targetPort: number): Promise<CuttableLink> {
  const port = await freeLoopbackPort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = async (): Promise<void> => {
    const listening = createServer((client) => {
      const upstream = connect(targetPort, "127.0.0.1");
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", resolve);
    });
    server = listening;
  };
  const cut = async (): Promise<void> => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();
  return { port, cut, heal: listen, close: cut };
}
