import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // @dramatis/sdk is a workspace package: tests import its TypeScript sources, not a built copy.
  resolve: { conditions: ["dramatis-source", ...defaultServerConditions] },
  ssr: { resolve: { conditions: ["dramatis-source", ...defaultServerConditions] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Test files share their worker's loaded modules instead of loading the whole server again for each
    // file (about half the suite's time went there). Every file builds its own app, database and blobs,
    // and no test mocks modules or globals, so nothing carries over but code.
    isolate: false,
  },
});
