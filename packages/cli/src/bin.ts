import { processIo } from "./io.js";
import { runCli } from "./main.js";

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// Every command closes what it opened; should anything still hold the event loop (a peer that
// never closes its side), the process ends anyway once its output has had time to drain.
setTimeout(() => process.exit(code), 3000).unref();
