// Vitest reporter that ends a run with one plain line: "N passed, N failed, N skipped".
// Used by the root `test` / `test:all` scripts next to the default reporter; .ci/run sums these lines.
// A test file that fails to load (or fails outside any test, e.g. in afterAll) counts as one failed,
// and so do unhandled errors, so the line never reads "0 failed" for a failing run.
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    _reason: TestRunEndReason,
  ): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failedHere++;
        else if (state === "skipped") skipped++;
      }
      if (failedHere === 0 && (mod.state() === "failed" || mod.errors().length > 0)) failedHere = 1;
      failed += failedHere;
    }
    if (unhandledErrors.length > 0) failed++;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
