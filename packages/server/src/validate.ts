import { type AnyContract, ErrorCode, SockwireError } from "@sockwire/protocol";
import type { CloseOptions, ListenOptions } from "./types.js";

/** Validates `listen()` options and fills in the defaults (loopback, port 0, backlog 511). */
export function checkListenOptions(options: ListenOptions): {
  host: string;
  port: number;
  backlog: number;
} {
  if (typeof options !== "object" || options === null)
    throw invalid("listen options must be an object");
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const backlog = options.backlog ?? 511;
  if (typeof host !== "string" || host.length === 0)
    throw invalid("host must be a non-empty string");
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw invalid(`port must be an integer from 0 to 65535, got ${String(port)}`);
  if (!Number.isInteger(backlog) || backlog < 0 || backlog > 65_535) {
    throw invalid(`backlog must be an integer from 0 to 65535, got ${String(backlog)}`);
  }
  return { host, port, backlog };
}

/** Validates `close()` options; `timeoutMs` defaults to the server's `closeTimeoutMs`. */
export function checkCloseOptions(
  options: CloseOptions,
  defaultTimeoutMs: number,
): { timeoutMs: number; reconnectAfterMs: number | undefined } {
  if (typeof options !== "object" || options === null)
    throw invalid("close options must be an object");
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 2_147_483_647) {
    throw invalid(`timeoutMs must be a non-negative integer, got ${String(timeoutMs)}`);
  }
  const { reconnectAfterMs } = options;
  if (
    reconnectAfterMs !== undefined &&
    (!Number.isInteger(reconnectAfterMs) || reconnectAfterMs < 0 || reconnectAfterMs > 86_400_000)
  ) {
    throw invalid(
      `reconnectAfterMs must be an integer from 0 to 86400000, got ${String(reconnectAfterMs)}`,
    );
  }
  return { timeoutMs, reconnectAfterMs };
}

/** Throws `ERR_INVALID_ARGUMENT` unless `contract` is a value made by `defineContract`. */
export function checkContract(contract: unknown): asserts contract is AnyContract {
  const c = contract as Partial<AnyContract> | null | undefined;
  if (
    typeof c !== "object" ||
    c === null ||
    typeof c.name !== "string" ||
    typeof c.fingerprint !== "string" ||
    !(c.client?.events instanceof Map) ||
    !(c.server?.events instanceof Map)
  ) {
    throw invalid("createServer() needs a contract made by defineContract()");
  }
}

function invalid(message: string): SockwireError {
  return new SockwireError(ErrorCode.INVALID_ARGUMENT, message);
}
