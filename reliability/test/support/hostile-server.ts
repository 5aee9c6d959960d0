import { createServer, type Socket } from "node:net";
import {
  type Envelope,
  encodeControl,
  encodeEnvelope,
  FrameDecoder,
  Kind,
  PROTOCOL_VERSION,
  parseEnvelope,
  type Welcome,
} from "@sockwire/protocol";
import { onTestFinished } from "vitest";

/** One connection to the hostile server: its socket and the frames the client sent. */
export interface HostileConnection {
  socket: Socket;
  frames: Envelope[];
  ended: boolean;
  errors: string[];
}

/**
 * A raw TCP server that completes a valid handshake with a real client and then does whatever
 * `misbehave` writes: the server-side counterpart of a raw hostile peer, to check that the
 * client's half of the shared session holds the same lines as the server's.
 */
export async function hostileServer(
  misbehave: (conn: HostileConnection) => void,
  welcome: Partial<Welcome> = {},
): Promise<{ port: number; connections: HostileConnection[] }> {
  const connections: HostileConnection[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const conn: HostileConnection = { socket, frames: [], ended: false, errors: [] };
    connections.push(conn);
    socket.on("error", (e: NodeJS.ErrnoException) => conn.errors.push(e.code ?? e.message));
    socket.on("end", () => {
      conn.ended = true;
      socket.end();
    });
    const decoder = new FrameDecoder();
    let greeted = false;
    socket.on("data", (chunk: Buffer) => {
      decoder.push(chunk);
      for (let body = decoder.next(); body; body = decoder.next()) {
        const envelope = parseEnvelope(body);
        if (!envelope) continue;
        if (greeted || envelope.kind !== Kind.HELLO) {
          conn.frames.push(envelope);
          continue;
        }
        greeted = true;
        const payload: Welcome = {
          protocol: { ...PROTOCOL_VERSION },
          sessionId: `hostile-${connections.length}`,
          maxFrameBytes: 1024 * 1024,
          heartbeat: { intervalMs: 0, timeoutMs: 0 },
          maxInFlight: 1000,
          ...welcome,
        };
        socket.write(encodeEnvelope({ kind: Kind.WELCOME }, encodeControl(payload)));
        misbehave(conn);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(async () => {
    for (const conn of connections) conn.socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as { port: number }).port, connections };
}

/** A length prefix announcing `length` bytes. */
export function prefix(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length >>> 0);
  return header;
}
