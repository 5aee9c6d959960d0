import { AppError, createServer, type ServerOptions, type SockwireServer } from "@sockwire/server";
import { onTestFinished } from "vitest";
import { shop } from "../fixtures/shop.js";

/** A running shop server and what it has seen. */
export interface ShopServer {
  readonly server: SockwireServer<typeof shop, { user: string }>;
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Every note event received, in order. */
  readonly notes: unknown[];
  /** Every order request received (before its answer). */
  readonly orders: unknown[];
  /** Pings received. */
  pings: number;
}

/** The token the server accepts; it must never appear in anything the CLI prints. */
export const TOKEN = "tok-5ecret-value-3141";

/**
 * A real @sockwire/server for the shop contract on 127.0.0.1, port 0, closed when the test
 * finishes. It accepts the credentials `{ token: TOKEN }` (and refuses others), greets every
 * connection with a `stock` event, and answers: `order` with a total, `whoami` with the user,
 * `fail` with an AppError of the code asked for, `hang` never.
 */
export async function startShop(
  options: ServerOptions<typeof shop, { user: string }> = {},
): Promise<ShopServer> {
  const server = createServer(shop, {
    authenticate: ({ token }) => {
      if (token !== TOKEN) throw new AppError("BAD_TOKEN", "unknown token");
      return { user: "ada" };
    },
    closeTimeoutMs: 2000,
    ...options,
  });
  const state = { notes: [] as unknown[], orders: [] as unknown[], pings: 0 };
  server.on("note", (note) => void state.notes.push(note));
  server.on("ping", () => void state.pings++);
  server.handle("order", (input) => {
    state.orders.push(input);
    return { id: `o${state.orders.length}`, total: input.quantity * 2.5 };
  });
  server.handle("whoami", (_input, conn) => ({ user: conn.context.user }));
  server.handle("fail", ({ code }) => {
    throw new AppError(code, "failed as asked");
  });
  server.handle(
    "hang",
    (_input, _conn, { signal }) =>
      new Promise((resolve) => signal.addEventListener("abort", () => resolve({}))),
  );
  server.onConnection((conn) => void conn.emit("stock", { item: "tea", left: 3 }).catch(() => {}));
  onTestFinished(() => server.close({ timeoutMs: 500 }));
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return Object.assign(state, { server, port, address: `127.0.0.1:${port}` });
}

/** Where nothing listens: a port that was free a moment ago. */
export async function deadAddress(): Promise<string> {
  const { createServer: createNetServer } = await import("node:net");
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
