/**
 * Formats an address and port the way .NET's `IPEndPoint.ToString()` does, which is what the
 * article's console lines show: `127.0.0.1:18888`, and `[::1]:18888` for IPv6 (brackets keep the
 * port readable). Addresses are printed as the socket reports them, so an IPv4 client of a
 * dual-stack listener shows as `[::ffff:127.0.0.1]:port`, as it would in .NET.
 *
 * @example
 * ```ts
 * formatEndpoint("127.0.0.1", 63939); // "127.0.0.1:63939"
 * formatEndpoint("::1", 18888);       // "[::1]:18888"
 * ```
 */
export function formatEndpoint(address: string | undefined, port: number | undefined): string {
  const host = address ?? "?";
  const shown = host.includes(":") ? `[${host}]` : host;
  return `${shown}:${port ?? "?"}`;
}
