import type net from "node:net";
import { Duplex } from "node:stream";

/**
 * One end of an in-memory connection: what one end writes, the other reads on a later tick, as
 * over a real socket. Ending one side (FIN) ends the other's input; destroying one end destroys
 * the other too, like a reset.
 */
class MemorySocket extends Duplex {
  peer: MemorySocket | undefined;

  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Sockets have it and the server calls it; in memory there is no Nagle to turn off. */
  setNoDelay(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    // A copy, as the kernel would take: the writer may reuse its buffer once the write is done.
    const copy = Buffer.from(chunk);
    const peer = this.peer;
    process.nextTick(() => {
      if (!peer?.destroyed) peer?.push(copy);
    });
    callback();
  }

  override _final(callback: () => void): void {
    const peer = this.peer;
    process.nextTick(() => {
      if (!peer?.destroyed) peer?.push(null);
    });
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    const peer = this.peer;
    process.nextTick(() => peer?.destroy());
    callback(error);
  }
}

/**
 * Two connected in-memory sockets: `server` is what a listener would hand the server, `client`
 * the peer's end. Typed as `net.Socket` for the server's signatures; the server uses only the
 * stream, `remoteAddress`, `remotePort` and `setNoDelay` of a plain socket, which these have.
 */
export function socketPair(remotePort = 40_000): { server: net.Socket; client: net.Socket } {
  const server = new MemorySocket("127.0.0.1", remotePort);
  const client = new MemorySocket("127.0.0.1", 18_888);
  server.peer = client;
  client.peer = server;
  return { server: server as unknown as net.Socket, client: client as unknown as net.Socket };
}
