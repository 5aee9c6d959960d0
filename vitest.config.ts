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
      "{packages,apps,bench}/*/{src,test}/**/*.test.ts",
      "reliability/{src,test}/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    typecheck: { enabled: false },
  },
});
