import type { FaultKind } from "../chaos/faults.js";
import { OK } from "../outcomes.js";
import type { SoakOptions } from "./options.js";
import type { SoakClient } from "./soak-client.js";

/** The progress line printed every `progressMs` during the chaos phase. */
export function progressLine(
  elapsed: number,
  options: SoakOptions,
  clients: readonly SoakClient[],
  faults: Record<FaultKind, number>,
  restarts: number,
  server: { connections?: number | undefined; detached?: number | undefined } | undefined,
  serverRss: number | undefined,
): string {
  let open = 0;
  let accepted = 0;
  let requests = 0;
  let ok = 0;
  let resumes = 0;
  let failures = 0;
  for (const c of clients) {
    if (c.isOpen) open++;
    accepted += c.ledger.accepted.size;
    requests += c.ledger.requestsSettled;
    ok += c.ledger.requests.get(OK).size;
    for (const o of c.ledger.opens) {
      if (o.resumed) resumes++;
      else if (o.failure) failures++;
    }
  }
  const n = (x: number) => x.toLocaleString("en-US");
  const f = faults;
  return (
    `[soak ${(elapsed / 1000).toFixed(0).padStart(4)}s/${(options.durationMs / 1000).toFixed(0)}s] ` +
    `open ${open}/${clients.length}, server ${server?.connections ?? "?"} sessions (${server?.detached ?? "?"} detached) | ` +
    `resumed ${n(resumes)}, not resumed ${n(failures)} | events accepted ${n(accepted)} | ` +
    `requests ${n(requests)} settled, ${requests ? ((100 * ok) / requests).toFixed(1) : "0"} % ok | ` +
    `faults delay ${f.delay} pause ${f.pause} blackhole ${f.blackhole} cut ${f.cut} | restarts ${restarts}/${options.restarts} | ` +
    `server rss ${serverRss === undefined ? "?" : (serverRss / 1048576).toFixed(0)} MiB`
  );
}
