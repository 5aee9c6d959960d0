import net from "node:net";

/**
 * A timestamp as the article prints it (C# `DateTime.Now` in zh-CN: `yyyy/M/d H:mm:ss`), as a
 * regular-expression fragment for matching console lines.
 *
 * @example
 * ```ts
 * new RegExp(`^Client send Message on ${ARTICLE_TIME}$`).test("Client send Message on 2017/4/19 23:15:24"); // true
 * ```
 */
export const ARTICLE_TIME = String.raw`\d{4}/(?:[1-9]|1[0-2])/(?:[1-9]|[12]\d|3[01]) (?:1?\d|2[0-3]):[0-5]\d:[0-5]\d`;

/**
 * A loopback port that was free a moment ago (listen on port 0, read it, close). Only for
 * tests that need a port where nothing listens; servers under test listen on port 0 themselves.
 *
 * @example
 * ```ts
 * const port = await freePort(); // connecting to it is refused
 * ```
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
