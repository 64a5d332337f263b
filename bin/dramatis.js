#!/usr/bin/env node
// Runs the compiled CLI (dist/). The sources are compiled once, at `npm install`; when they have changed
// since (a developer's edit, a pull), they are compiled again here before the command runs.
import { ensureBuilt } from "./ensure-built.js";

await ensureBuilt({ log: (line) => process.stderr.write(`${line}\n`) });
const { runCli } = await import("../dist/cli/main.js");
process.exitCode = await runCli(process.argv.slice(2));
