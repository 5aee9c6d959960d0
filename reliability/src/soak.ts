/**
 * `pnpm soak`: the chaos soak from the command line. Prints a progress line on stderr every two
 * seconds and the summary table on stdout; exits 1 when an invariant fails, 2 on bad usage.
 */
import { parseSoakArgs, SOAK_USAGE, type SoakOptions } from "./soak/options.js";
import { formatReport } from "./soak/report.js";
import { runSoak } from "./soak/run-soak.js";

let options: SoakOptions | undefined;
try {
  options = parseSoakArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${SOAK_USAGE}`);
  process.exit(2);
}
if (!options) {
  process.stdout.write(SOAK_USAGE);
  process.exit(0);
}

const report = await runSoak(options, (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`\n${formatReport(report)}`);
process.exitCode = report.ok ? 0 : 1;
