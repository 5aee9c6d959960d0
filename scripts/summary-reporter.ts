// Vitest reporter that ends a run with a plain list of what went wrong and one plain line:
// "N passed, N failed, N skipped". Used by the root `test` / `test:all` scripts next to the default
// reporter; .ci/run sums the count lines and repeats the FAILED/FLAKY lines at its very end, so the
// last screen of a CI log names the culprit even when only the tail of the log survives.
// A test file that fails to load (or fails outside any test, e.g. in afterAll) counts as one failed,
// and so do unhandled errors, so the line never reads "0 failed" for a failing run.
import { relative } from "node:path";
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";

/** First line of an error message, trimmed to a readable length. */
function firstLine(message: string | undefined): string {
  const line = (message ?? "").split("\n", 1)[0] ?? "";
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    _reason: TestRunEndReason,
  ): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const lines: string[] = [];
    for (const mod of testModules) {
      const file = relative(process.cwd(), mod.moduleId);
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state === "passed") {
          passed++;
          const diagnostic = test.diagnostic();
          if (diagnostic?.flaky === true) {
            const cause = firstLine(result.errors?.[0]?.message);
            lines.push(
              `FLAKY ${file} > ${test.fullName} (passed on retry ${diagnostic.retryCount}): ${cause}`,
            );
          }
        } else if (result.state === "failed") {
          failedHere++;
          lines.push(`FAILED ${file} > ${test.fullName}: ${firstLine(result.errors[0]?.message)}`);
        } else if (result.state === "skipped") skipped++;
      }
      if (failedHere === 0 && (mod.state() === "failed" || mod.errors().length > 0)) {
        failedHere = 1;
        lines.push(`FAILED ${file} (outside any test): ${firstLine(mod.errors()[0]?.message)}`);
      }
      failed += failedHere;
    }
    if (unhandledErrors.length > 0) {
      failed++;
      for (const error of unhandledErrors)
        lines.push(`FAILED unhandled error: ${firstLine(error.message)}`);
    }
    const list = lines.length > 0 ? `\n${lines.join("\n")}\n` : "";
    process.stdout.write(`${list}\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
