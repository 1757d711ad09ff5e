// A full garbage collection in a service process, asked for through the V8 inspector the
// process opened with --inspect=127.0.0.1:0 (HeapProfiler.collectGarbage): memory read
// afterwards is what the process holds, not garbage it has not got round to collecting.
// Node 20 has no WebSocket client; this is the least of RFC 6455 the exchange needs.
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import type { Socket } from "node:net";
import type { ServiceProcess } from "../../support/service-process.js";

/** Node arguments that open the inspector on a free loopback port. */
export const INSPECT_ARGUMENTS = ["--inspect=127.0.0.1:0"] as const;

/** The inspector's WebSocket URL, from the line Node writes to stderr when it opens. */
export function inspectorUrl(service: ServiceProcess): URL {
  const match = /Debugger listening on (ws:\/\/\S+)/.exec(service.stderr());
  if (!match?.[1]) throw new Error(`no inspector URL in the process's stderr: ${service.stderr().slice(0, 500)}`);
  return new URL(match[1]);
}

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  // Client frames are masked (RFC 6455 §5.3); a command is well under 64 KiB.
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ (mask[index % 4] ?? 0)));
  return Buffer.concat([head, mask, masked]);
}

/** Complete unmasked frames at the start of `buffer`, and what is left after them. */
function readFrames(buffer: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = [];
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) break;
    const opcode = (buffer[offset] ?? 0) & 0x0f;
    let length = (buffer[offset + 1] ?? 0) & 0x7f;
    let headLength = 2;
    if (length === 126) {
      if (buffer.length - offset < 4) break;
      length = buffer.readUInt16BE(offset + 2);
      headLength = 4;
    } else if (length === 127) {
      if (buffer.length - offset < 10) break;
      length = Number(buffer.readBigUInt64BE(offset + 2));
      headLength = 10;
    }
    if (buffer.length - offset < headLength + length) break;
    if (opcode === 1) texts.push(buffer.subarray(offset + headLength, offset + headLength + length).toString("utf8"));
    offset += headLength + length;
  }
  return { texts, rest: buffer.subarray(offset) };
}

interface InspectorMessage {
  readonly id?: number;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: unknown;
  readonly error?: { readonly message?: string };
}

/** One WebSocket connection to the inspector: commands answered by id, events to whoever listens. */
class InspectorSession {
  private nextId = 1;
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(message: InspectorMessage) => void>();

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      const { texts, rest } = readFrames(Buffer.concat([this.pending, chunk]));
      this.pending = rest;
      for (const text of texts) this.dispatch(JSON.parse(text) as InspectorMessage);
    });
    socket.on("error", (error) => this.failAll(error));
    socket.on("close", () => this.failAll(new Error("the inspector closed the connection")));
  }

  static open(url: URL, timeoutMs: number): Promise<InspectorSession> {
    return new Promise((resolve, reject) => {
      const upgrade = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": randomBytes(16).toString("base64") },
      });
      const timer = setTimeout(() => {
        upgrade.destroy();
        reject(new Error(`the inspector did not accept a connection within ${timeoutMs} ms`));
      }, timeoutMs);
      upgrade.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      upgrade.on("response", (response) => {
        clearTimeout(timer);
        reject(new Error(`the inspector refused the upgrade: HTTP ${response.statusCode}`));
      });
      upgrade.on("upgrade", (_response, socket: Socket, head: Buffer) => {
        clearTimeout(timer);
        const session = new InspectorSession(socket);
        if (head.length > 0) socket.emit("data", head);
        resolve(session);
      });
      upgrade.end();
    });
  }

  send(method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the inspector did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.write(textFrame(JSON.stringify({ id, method, params })));
    });
  }

  /** Calls `listener` with every event until the returned function is called. */
  listen(listener: (message: InspectorMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.socket.destroy();
  }

  private dispatch(message: InspectorMessage): void {
    if (message.id !== undefined) {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message ?? "inspector error"));
      else waiter?.resolve(message.result);
      return;
    }
    for (const listener of this.listeners) listener(message);
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/**
 * A full GC of the process's main thread. Worker threads are out of reach: the scanner's idle
 * pool threads wait in Atomics.wait and do not serve their inspector sessions, so their heaps
 * (and the shared chain memory they still reference) are collected when they next work.
 */
export async function forceGc(service: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const session = await InspectorSession.open(inspectorUrl(service), timeoutMs);
  try {
    await session.send("HeapProfiler.collectGarbage", {}, timeoutMs);
  } finally {
    session.close();
  }
}
