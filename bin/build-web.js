#!/usr/bin/env node
// Builds the web app when its sources are newer than web/dist (run by `npm start` before the server).
import { register } from "tsx/esm/api";

register();
const { buildWebAppIfStale } = await import("../src/cli/web-build.ts");
await buildWebAppIfStale({ log: (line) => console.log(line) });
