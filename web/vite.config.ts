import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig } from "vite";
import { precompress } from "./build/precompress.ts";

const webRoot = fileURLToPath(new URL(".", import.meta.url));
const apiTarget = process.env.DRAMATIS_API ?? "http://127.0.0.1:8787";

// No React plugin: esbuild's automatic JSX runtime is all the build needs, and it installs offline.
export default defineConfig(({ command, mode }) => ({
  root: webRoot,
  base: "/",
  // jsxDev follows the mode, not NODE_ENV: under vitest (NODE_ENV "test") Vite would otherwise emit jsxDEV
  // calls that React's production runtime does not have.
  esbuild: { jsx: "automatic", jsxDev: mode !== "production" },
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
    rollupOptions: {
      // TanStack Query marks its modules "use client" for React Server Components; a plain SPA bundle
      // ignores the directive, and Rollup would say so for every module on every build.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  // `npm run dev:web`: hot reload against a running server (DRAMATIS_API, default the server's port).
  server: {
    proxy: { "/v1": apiTarget },
  },
}));
