import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig } from "vite";
import { precompress } from "./build/precompress.ts";

const webRoot = fileURLToPath(new URL(".", import.meta.url));
const apiTarget = process.env.DRAMATIS_API ?? "http://127.0.0.1:8787";

// No React plugin: esbuild's automatic JSX runtime is all the build needs, and it installs offline.
export default defineConfig(({ command, mode }) => ({
  root: webRoot,
  base: "/",
  // The JSX runtime follows the same mode: Vite picks the dev runtime (jsxDEV) from NODE_ENV alone, and
  // React's production jsx-dev-runtime has no jsxDEV ("jsxDEV is not a function" under vitest).
  esbuild: { jsx: "automatic", ...(command === "build" ? { jsxDev: mode !== "production" } : {}) },
  // @dramatis/sdk is a workspace package: bundle its TypeScript sources, not a separately built copy.
  resolve: { conditions: ["dramatis-source", ...defaultClientConditions] },
  // A build is React's production bundle whatever NODE_ENV the caller runs with (vitest sets "test",
  // which Vite would otherwise pass on): `vite build --mode development` is the way to ask for the other.
  define: command === "build" ? { "process.env.NODE_ENV": JSON.stringify(mode) } : {},
  plugins: [precompress()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  // `npm run dev:web`: hot reload against a running server (DRAMATIS_API, default the server's port).
  server: {
    proxy: { "/v1": apiTarget },
  },
}));
