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

/**
 * Where the columns of a `--help` option table start: the distinct columns of the descriptions
 * (on lines that begin with an option) and of the `(default ...)` notes. An aligned table has one
 * of each.
 *
 * @example
 * ```ts
 * helpColumns(["  --port <port>   port   (default 1)", "  -h, --help      help"]); // { descriptions: [18], defaults: [25] }
 * ```
 */
export function helpColumns(lines: readonly string[]): {
  descriptions: number[];
  defaults: number[];
} {
  const descriptions = new Set<number>();
  const defaults = new Set<number>();
  for (const line of lines) {
    // An option, then at least two spaces (the option itself has single spaces: `--port <port>`).
    const option = /^ {2}-\S*(?: \S+)*( {2,})/.exec(line);
    if (option) descriptions.add(option[0].length);
    if (line.includes("(default")) defaults.add(line.indexOf("(default"));
  }
  return { descriptions: [...descriptions], defaults: [...defaults] };
}
