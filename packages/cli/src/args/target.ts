import { usage } from "./parse.js";

/** Where a command connects. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

/**
 * Reads `HOST:PORT` (`127.0.0.1:7000`, `chat.internal:7000`, `[::1]:7000`), or a port alone for
 * 127.0.0.1.
 *
 * @throws a usage failure for anything else.
 *
 * @example
 * ```ts
 * target("[::1]:7000"); // { host: "::1", port: 7000 }
 * ```
 */
export function target(text: string | undefined): Target {
  if (text === undefined) throw usage("the command needs HOST:PORT (the server's address)");
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:[\]\s]+):(\d{1,5})$/.exec(text);
  const bare = /^:?(\d{1,5})$/.exec(text);
  const host = bracketed?.[1] ?? plain?.[1] ?? (bare ? "127.0.0.1" : undefined);
  const port = Number(bracketed?.[2] ?? plain?.[2] ?? bare?.[1] ?? 0);
  if (host === undefined || port < 1 || port > 65_535) {
    throw usage(
      `${JSON.stringify(text)} is not HOST:PORT (for example 127.0.0.1:7000 or [::1]:7000)`,
    );
  }
  return { host, port };
}

/** `host:port` as people write it, with brackets around an IPv6 address. */
export function showTarget({ host, port }: Target): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
