import { defineConfig } from "vitest/config";

// @dramatis/sdk is a workspace package: tests import its TypeScript sources, not a built copy. Packages
// resolve as Node resolves them when the server runs, without Vite's default `module` condition: the AWS
// SDK's `module` entries are bundler-only ESM (extensionless imports) that Node cannot load.
const conditions = ["dramatis-source", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
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
