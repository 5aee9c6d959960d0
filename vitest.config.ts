import { defineConfig } from "vitest/config";

// One config for the whole repository. Vitest walks up from each package folder to find it, so
// per-package runs (through turbo) and a single root run share these settings.
export default defineConfig({
  // Workspace packages resolve to their TypeScript sources through this condition, so tests never
  // need a build. It must sit under ssr: node-environment tests ignore the top-level resolve option.
  ssr: {
    resolve: { conditions: ["@sockwire/source", "module", "node", "development|production"] },
  },
  test: {
    include: [
      "src/**/*.test.ts",
      "test/**/*.test.ts",
      "{packages,apps}/*/{src,test}/**/*.test.ts",
      "reliability/{src,test}/**/*.test.ts",
      "bench/{src,test}/**/*.test.ts",
    ],
    testTimeout: 30_000,
    // In CI only, a failed test gets one more try: the runner is a shared, noisy machine and many
    // tests here are real sockets, processes and timers. A retried pass is not hidden: the summary
    // reporter lists it as FLAKY at the end of the run. Locally every failure counts at once.
    retry: process.env.CI ? 1 : 0,
    hookTimeout: 30_000,
    typecheck: { enabled: false },
  },
});
