#!/usr/bin/env node
// `pnpm demo`: runs demo-server and demo-client side by side and shows both consoles, each line
// labelled, the way the article shows its two console windows; then stops the server gracefully.
//
//   pnpm demo                                  the article's session: 10 messages, 1 s apart
//   pnpm demo -- --count 3 --interval 200      shorter
//   pnpm demo -- --lang en --wire raw          English lines, the article's unframed bytes
//
// The apps run from their TypeScript sources through tsx's loader, in plain `node` processes, so
// this works with pnpm absent from PATH (npx, corepack) and with no terminal on stdin (CI).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const ARTICLE_PORT = 18888;
const LISTENING = /^(?:启动监听|Started listening on )(?:.*):(\d+)(?:成功)?$/;
const LEFT = /(?:断开连接|disconnected)(?:\s?\(.*\))?$/;
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const USAGE = `Usage: pnpm demo [-- options]

Starts demo-server and demo-client and prints both consoles, labelled [server] and [client].

Options (passed on to the apps):
  --host <host>       address to listen on and connect to      (default 127.0.0.1)
  --port <port>       server port; 0 takes any free port       (default 18888, or a free
                                                                port if 18888 is taken)
  --lang zh|en        console language                         (default zh)
  --wire framed|raw   sockwire frames, or the article's bytes  (default framed)
  --count <n>         messages the client sends                (default 10)
  --interval <ms>     pause before each message                (default 1000)
  -h, --help          show this help
`;

function parseOptions(argv) {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  const text = { type: "string" };
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      host: text,
      port: text,
      lang: text,
      wire: text,
      count: text,
      interval: text,
      help: { type: "boolean", short: "h" },
    },
  });
  return values;
}

/** Builds `--name value` pairs for the options that were given. */
function pass(values, names) {
  return names.flatMap((name) => (values[name] === undefined ? [] : [`--${name}`, values[name]]));
}

/** True when nothing listens on host:port right now (a quick bind test). */
function portIsFree(host, port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Starts an app; every console line goes to our console with its label, as it comes. */
function startApp(name, label, args, onLine) {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@sockwire/source",
      "--import",
      TSX_LOADER,
      path.join(ROOT, "apps", name, "src", "main.ts"),
      ...args,
    ],
    { cwd: path.join(ROOT, "apps", name), stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  relayLines(child.stdout, process.stdout, label, onLine);
  relayLines(child.stderr, process.stderr, label, () => {});
  child.once("error", (err) =>
    process.stderr.write(`demo: cannot start ${name}: ${err.message}\n`),
  );
  return { child, exited };
}

function relayLines(from, to, label, onLine) {
  let partial = "";
  from.setEncoding("utf8");
  from.on("data", (chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      to.write(`${label}${line}\n`);
      onLine(line);
    }
  });
  from.on("end", () => {
    if (partial !== "") to.write(`${label}${partial}\n`);
  });
}

/** Resolves with the first line that matches, or `undefined` on timeout or when `exited` settles. */
function waitForLine(lines, pattern, exited, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const check = (line) => {
      const match = pattern.exec(line);
      if (match) finish(match);
    };
    const finish = (result) => {
      clearTimeout(timer);
      lines.listeners.delete(check);
      resolve(result);
    };
    for (const line of lines.seen) check(line);
    lines.listeners.add(check);
    exited.then(() => finish(undefined));
  });
}

function lineLog() {
  const log = { seen: [], listeners: new Set() };
  log.push = (line) => {
    log.seen.push(line);
    for (const listener of [...log.listeners]) listener(line);
  };
  return log;
}

async function stop(app, name) {
  app.child.kill("SIGTERM");
  const timer = setTimeout(() => {
    process.stderr.write(`demo: ${name} did not stop within ${STOP_TIMEOUT_MS} ms; killing it\n`);
    app.child.kill("SIGKILL");
  }, STOP_TIMEOUT_MS);
  const result = await app.exited;
  clearTimeout(timer);
  return result;
}

function statusOf({ code, signal }) {
  if (code !== null) return code;
  return signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1;
}

async function main() {
  let values;
  try {
    values = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`demo: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const host = values.host ?? "127.0.0.1";
  let port = values.port;
  if (port === undefined) {
    port = (await portIsFree(host, ARTICLE_PORT)) ? String(ARTICLE_PORT) : "0";
    if (port === "0")
      process.stderr.write(`demo: port ${ARTICLE_PORT} is taken; using a free port\n`);
  }

  // Ctrl+C reaches the whole process group, so both apps stop on their own; this process only
  // needs to outlive them to print their last lines. SIGTERM is passed on.
  let interrupted = false;
  const children = [];
  const onSignal = (signal) => {
    interrupted = true;
    if (signal === "SIGTERM") for (const child of children) child.kill("SIGTERM");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const serverLines = lineLog();
  const server = startApp(
    "demo-server",
    "[server] ",
    ["--port", port, ...pass(values, ["host", "lang", "wire"])],
    serverLines.push,
  );
  children.push(server.child);
  const listening = await waitForLine(serverLines, LISTENING, server.exited, STARTUP_TIMEOUT_MS);
  if (listening === undefined) {
    if (server.child.exitCode === null) await stop(server, "demo-server");
    const status = statusOf(await server.exited);
    process.stderr.write("demo: the server did not start\n");
    return status === 0 ? 1 : status;
  }
  if (interrupted) return statusOf(await stop(server, "demo-server"));

  const clientArgs = [
    "--port",
    listening[1],
    ...pass(values, ["host", "lang", "wire", "count", "interval"]),
  ];
  const client = startApp("demo-client", "[client] ", clientArgs, () => {});
  children.push(client.child);
  const clientStatus = statusOf(await client.exited);

  // The client has closed; give the server a moment to print that it left, then stop it.
  await waitForLine(serverLines, LEFT, server.exited, 2000);
  const serverStatus = statusOf(
    server.child.exitCode === null ? await stop(server, "demo-server") : await server.exited,
  );
  return clientStatus !== 0 ? clientStatus : serverStatus;
}

process.exitCode = await main();
