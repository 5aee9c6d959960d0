import { createClient } from "@sockwire/client";
import { createServer } from "@sockwire/server";
import { benchContract } from "./src/contenders/sockwire.js";
import { chat } from "./src/message.js";

const role = process.argv[2];
if (role === "server") {
  const server = createServer(benchContract);
  server.handleStream("feed", async function* ({ count }) {
    for (let s = 0; s < count; s++) yield chat(s);
  });
  server.handle("push", async ({ count }, conn) => {
    for (let s = 0; s < count; s++) {
      void conn.emit("chat", chat(s));
      if (!conn.hasRoom) await conn.waitForRoom();
    }
    return undefined;
  });
  const { port } = await server.listen({ port: 0 });
  console.log(port);
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  server.onConnection(() => {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  });
  server.onDisconnect(() => {
    const c = process.cpuUsage(cpu0);
    console.error("server cpu", ((c.user + c.system) / 1000 / (performance.now() - t0)).toFixed(2));
    process.exit(0);
  });
} else {
  const port = Number(process.argv[3]);
  const client = createClient(benchContract, { port, host: "127.0.0.1", streamWindow: 16384 });
  let got = 0;
  let done: () => void = () => {};
  client.on("chat", () => {
    if (++got === 200000) done();
  });
  await client.connect();
  const rs: number[] = [],
    re: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < (process.env.ONLY_STREAM ? 6 : 8); r++) {
    let t = performance.now();
    let n = 0;
    if (!process.env.ONLY_PUSH) for await (const _ of client.stream("feed", { count: 200000 })) n++;
    rs.push(n / ((performance.now() - t) / 1000));
    if (process.env.ONLY_STREAM) {
      re.push(1);
      continue;
    }
    got = 0;
    const p = new Promise<void>((res) => (done = res));
    t = performance.now();
    await client.request("push", { count: 200000 }, { timeoutMs: 0 });
    await p;
    re.push(200000 / ((performance.now() - t) / 1000));
  }
  const c = process.cpuUsage(cpu0);
  console.error("client cpu", ((c.user + c.system) / 1000 / (performance.now() - t0)).toFixed(2));
  const med = (a: number[]) => a.slice(3).sort((x, y) => x - y)[Math.floor((a.length - 3) / 2)];
  console.log(
    "stream",
    Math.round(med(rs)),
    "events",
    Math.round(med(re)),
    "ratio",
    (med(rs) / med(re)).toFixed(2),
  );
  await client.close();
  process.exit(0);
}
