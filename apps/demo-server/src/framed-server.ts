import { createServer, type DisconnectInfo, type ServerConnection } from "@sockwire/server";
import { type DemoContract, demoContract, formatEndpoint, GREETING_TEXT } from "demo-contract";
import {
  ListenError,
  type ListenOptions,
  type RunningServer,
  type ServerEnvironment,
  systemErrorOf,
} from "./running-server.js";

/**
 * The article's server on sockwire: every client that completes the handshake is greeted with
 * the typed `greeting` event, and every `message` event is printed as the article prints a
 * message. Messages are framed, validated against the contract and may be any Unicode text up to
 * the contract's limit; many clients are served at once; a client that leaves gets one line.
 *
 * @example
 * ```ts
 * const server = await startFramedServer({ host: "127.0.0.1", port: 0 }, environment);
 * console.log(server.endpoint); // "127.0.0.1:40123"
 * await server.stop(5000);
 * ```
 */
export async function startFramedServer(
  options: ListenOptions,
  env: ServerEnvironment,
): Promise<RunningServer> {
  // Reflection is off unless asked for: it shows the contract to every caller.
  const server = createServer(demoContract, { reflection: options.reflection === true });
  const endpointOf = (conn: ServerConnection<DemoContract>): string =>
    formatEndpoint(conn.remoteAddress, conn.remotePort);

  server.onConnection((conn) => {
    conn.emit("greeting", { text: GREETING_TEXT }).catch((err: unknown) => {
      env.report(`greeting to ${endpointOf(conn)} failed: ${describe(err)}`);
    });
  });
  server.on("message", ({ text }, conn) => {
    env.print(env.lines.received(endpointOf(conn), text));
  });
  server.onDisconnect((conn, info) => {
    env.print(env.lines.left(endpointOf(conn), abnormalReason(info)));
  });
  server.onError((err, conn) => {
    env.report(`${conn === undefined ? "server" : endpointOf(conn)}: ${err.code}: ${err.message}`);
  });

  let address: { address: string; port: number };
  try {
    address = await server.listen({ host: options.host, port: options.port });
  } catch (err) {
    const reason = systemCode(err) ?? (err as { code?: string }).code ?? "ERR_LISTEN";
    throw new ListenError(reason, formatEndpoint(options.host, options.port), err);
  }
  return {
    endpoint: formatEndpoint(address.address, address.port),
    async stop(timeoutMs) {
      await server.close({ timeoutMs });
    },
  };
}

/**
 * The reason shown on a client's disconnect line, or `undefined` for a normal close: both sides
 * said goodbye (a `NORMAL` or `GOING_AWAY` close) and nothing was lost.
 */
export function abnormalReason(info: DisconnectInfo): string | undefined {
  if (info.graceful && (info.code === "NORMAL" || info.code === "GOING_AWAY")) return undefined;
  const cause = systemCode(info.error);
  return cause === undefined ? info.code : `${info.code}, ${cause}`;
}

/** The system error code (`ECONNRESET`, `EADDRINUSE`...) behind an error, if any. */
function systemCode(err: unknown): string | undefined {
  return systemErrorOf(err)?.code;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
