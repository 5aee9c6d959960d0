import { createClient, type SockwireClient } from "@sockwire/client";
import type { AnyContract } from "@sockwire/protocol";
import { CliFailure, ExitCode } from "../exit-codes.js";
import { failureFrom } from "../failures.js";
import type { ConnectionSettings } from "./settings.js";

/** What a command adds to the connection settings. */
export interface OpenOptions {
  /** The default request timeout (`--timeout`); 0 = none. */
  readonly requestTimeoutMs?: number;
  /** Aborts connecting (Ctrl+C). */
  readonly signal?: AbortSignal | undefined;
  /** Registers listeners before connecting, so that nothing the server sends first is missed. */
  readonly setup?: (client: SockwireClient<AnyContract>) => void;
}

/**
 * A client connected to the target with `contract`: no reconnecting (a command that loses its
 * connection says so and exits), the command's timeouts, TLS and credentials.
 *
 * @throws failures: `CONNECT`, `REFUSED`, `TIMEOUT`, `INTERRUPTED`... (see failures.ts).
 */
export async function openClient(
  contract: AnyContract,
  settings: ConnectionSettings,
  options: OpenOptions = {},
): Promise<SockwireClient<AnyContract>> {
  let client: SockwireClient<AnyContract>;
  try {
    client = createClient(contract, {
      ...settings.target,
      tls: settings.tls,
      credentials: settings.credentials,
      connectTimeoutMs: settings.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      reconnect: false,
      signal: options.signal,
    });
  } catch (error) {
    throw failureFrom(error);
  }
  options.setup?.(client);
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    if (options.signal?.aborted) throw new CliFailure(ExitCode.INTERRUPTED, "interrupted");
    throw failureFrom(error);
  }
  return client;
}

/** Closes gracefully (everything accepted is flushed), within `timeoutMs`. */
export async function closeClient(
  client: SockwireClient<AnyContract>,
  timeoutMs = 5000,
): Promise<void> {
  await client.close({ timeoutMs }).catch(() => client.destroy());
}
