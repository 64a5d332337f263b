#!/usr/bin/env node
// Builds the web app when its sources are newer than web/dist (run by `npm start` before the server),
// with the compiled server's staleness check (dist/cli/web-build.js), compiling that first when needed.
import { ensureBuilt } from "./ensure-built.js";

const log = (line) => console.log(line);
await ensureBuilt({ log });
const { buildWebAppIfStale } = await import("../dist/cli/web-build.js");
await buildWebAppIfStale({ log });
