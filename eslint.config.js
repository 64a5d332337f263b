import js from "@eslint/js";
import tseslint from "typescript-eslint";

/*
 * The layers (docs/architecture.md): routes -> services -> store, with pure folders below everything.
 * Each rule lists what a folder may not import; tests are exempt (they wire layers together on purpose).
 */
const httpFramework = ["hono", "hono/*", "@hono/*", "@asteasolutions/*"];
const databaseDrivers = ["kysely", "pg", "better-sqlite3", "ioredis", "bullmq"];
const above = (...folders) => folders.map((folder) => `**/${folder}/**`);
const restrict = (groups, message, allowTypeImports = false) => ({
  "no-restricted-imports": ["error", { patterns: [{ group: groups, message, allowTypeImports }] }],
});
// OpenAPI metadata belongs to the HTTP layer (src/http/schemas), whatever zod the schema came from.
const noOpenApiMetadata = {
  "no-restricted-syntax": [
    "error",
    {
      selector: "CallExpression[callee.property.name='openapi']",
      message: "OpenAPI metadata lives in src/http (documentSchema in src/http/schemas)",
    },
  ],
};
const layerRules = [
  {
    files: ["src/store/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: restrict(
      [
        ...above("services", "http", "composition", "jobs", "channels", "models", "speech", "media"),
        "**/app.ts",
        ...httpFramework,
      ],
      "the store is the bottom layer: it knows tables, not services or HTTP",
    ),
  },
  {
    files: ["src/services/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      ...restrict(
        [...above("http", "composition"), "**/app.ts", ...httpFramework],
        "services hold the domain rules: no HTTP, no wiring (import zod, not @hono/zod-openapi)",
      ),
      ...noOpenApiMetadata,
    },
  },
  {
    files: ["src/http/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: restrict(
      [...above("store"), "!**/store/errors.ts", ...databaseDrivers],
      "routes call services, never the store (types and store/errors.ts excepted)",
      true,
    ),
  },
  {
    // Pure: rules, scoring and planning over values; randomness from seeds, time passed in.
    files: [
      "src/domain/**/*.ts",
      "src/errors/**/*.ts",
      "src/research/**/*.ts",
      "src/proactive/**/*.ts",
      "src/memory/**/*.ts",
    ],
    ignores: ["**/*.test.ts"],
    rules: {
      ...restrict(
        [
          ...above(
            "store",
            "services",
            "http",
            "composition",
            "jobs",
            "channels",
            "models",
            "speech",
            "media",
            "rate-limits",
          ),
          "**/app.ts",
          ...httpFramework,
          ...databaseDrivers,
          "node:fs",
          "node:fs/*",
          "node:net",
          "node:http",
          "node:https",
        ],
        "pure folders import no I/O layer: pass values in",
        true,
      ),
      ...noOpenApiMetadata,
    },
  },
  {
    // Below every layer: helpers may do I/O (files, sockets) but know no layer above them.
    files: ["src/lib/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      ...restrict(
        [
          ...above(
            "store",
            "services",
            "http",
            "composition",
            "jobs",
            "channels",
            "models",
            "speech",
            "media",
            "rate-limits",
          ),
          "**/app.ts",
          ...httpFramework,
        ],
        "lib is below every layer: it imports none of them",
      ),
      ...noOpenApiMetadata,
    },
  },
  {
    files: [
      "src/models/**/*.ts",
      "src/speech/**/*.ts",
      "src/media/**/*.ts",
      "src/jobs/**/*.ts",
      "src/rate-limits/**/*.ts",
    ],
    ignores: ["**/*.test.ts"],
    rules: {
      ...restrict([...above("http"), "**/app.ts", ...httpFramework], "no HTTP layer below the routes"),
      ...noOpenApiMetadata,
    },
  },
];

export default tseslint.config(
  { ignores: ["node_modules", "data", "coverage", "dist", "web/dist", "sdk/dist", ".cache"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "smart"],
    },
  },
  {
    // The service worker runs in the browser's worker scope, outside the app's TypeScript build.
    files: ["web/public/service-worker.js"],
    languageOptions: { globals: { self: "readonly" } },
  },
  ...layerRules,
  {
    // Tests read loosely typed JSON responses; typing every one would add noise, not safety.
    files: ["**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
