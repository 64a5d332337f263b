#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npm install && npm start` needs no build step.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2));
