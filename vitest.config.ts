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
  },
});
