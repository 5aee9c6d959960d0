import net from "node:net";
import { decodeAscii, encodeAscii, formatEndpoint, GREETING_TEXT } from "demo-contract";
import {
  ListenError,
  type ListenOptions,
  type RunningServer,
  type ServerEnvironment,
} from "./running-server.js";

/** Same bound as the framed server's default: the original accepted without limit. */
const MAX_CONNECTIONS = 10_000;

/**
 * The article's server, on its own wire format: no framing, ASCII bytes. It writes
 * `Server Say Hello` to every client it accepts and prints each chunk it reads as one message,
 * so it talks to the original C# client unchanged.
 *
 * Where the original went wrong, this one does not: a client's FIN is noticed once (the
 * original's `Receive` returned 0 and it printed empty messages forever), reported with one
 * line, answered with our own FIN, and the socket is released; every connection has its own
 * read buffer; connections are bounded. Raw mode stays ASCII-only and unframed by design: TCP
 * may join or split writes, so what one chunk holds is up to the network.
 *
 * @example
 * ```ts
 * const server = await startRawServer({ host: "127.0.0.1", port: 18888 }, environment);
 * await server.stop(5000);
 * ```
 */
export async function startRawServer(
  options: ListenOptions,
  env: ServerEnvironment,
): Promise<RunningServer> {
  // Each open socket, with a promise that settles once its leave line is printed.
  const sockets = new Map<net.Socket, Promise<void>>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.set(
      socket,
      serveClient(socket, env).then(() => {
        sockets.delete(socket);
      }),
    );
  });
  server.maxConnections = MAX_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new ListenError(err.code ?? "ERR_LISTEN", formatEndpoint(options.host, options.port), err),
      );
    });
    server.listen({ host: options.host, port: options.port, backlog: 511 }, () => resolve());
  });
  // After listening, errors concern single connections and are handled per socket.
  server.on("error", (err) => env.report(`server error: ${err.message}`));
  const address = server.address() as net.AddressInfo;

  return {
    endpoint: formatEndpoint(address.address, address.port),
    async stop(timeoutMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Our FIN to every client; each closes once the client answers with its own FIN. The
      // original client never closes its socket while it waits for Enter, hence the cap.
      for (const socket of sockets.keys()) socket.end();
      const timer = setTimeout(() => {
        const timedOut = Object.assign(new Error("close timed out"), { code: "CLOSE_TIMEOUT" });
        for (const socket of sockets.keys()) socket.destroy(timedOut);
      }, timeoutMs);
      await Promise.all([closed, ...sockets.values()]);
      clearTimeout(timer);
    },
  };
}

/**
 * One accepted client: greet, print what it sends, notice its end exactly once. Resolves once
 * the socket is closed and its leave line printed.
 */
function serveClient(socket: net.Socket, env: ServerEnvironment): Promise<void> {
  // Read now: once the socket is gone, remoteAddress is undefined.
  const endpoint = formatEndpoint(socket.remoteAddress, socket.remotePort);
  let failure: string | undefined;
  socket.write(encodeAscii(GREETING_TEXT));
  socket.on("data", (chunk: Buffer) => env.print(env.lines.received(endpoint, decodeAscii(chunk))));
  // The client's FIN: it has sent everything. Answer with ours; allowHalfOpen keeps the
  // decision here, so a client that half-closes still receives what we already wrote.
  socket.on("end", () => socket.end());
  socket.on("error", (err: NodeJS.ErrnoException) => {
    failure = err.code ?? "ERR_SOCKET";
  });
  return new Promise((resolve) => {
    socket.on("close", () => {
      env.print(env.lines.left(endpoint, failure));
      resolve();
    });
  });
}
