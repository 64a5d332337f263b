/* global WebAssembly */
/*
 * One eSpeak NG worker thread of EspeakWorkerPool (espeak-worker-pool.ts): runs the WebAssembly build of
 * eSpeak NG (npm `espeak-ng`) off the main thread, one job at a time, and answers each job with the lines
 * eSpeak printed and, when asked, one file it wrote.
 *
 * Each job runs one fresh instance of the module (its `main` cannot be called twice); the compiled
 * WebAssembly is kept for the worker's life, so an instance costs its memory set-up only.
 *
 * Plain JavaScript on purpose: it runs as it is under vitest (from src/) and in production (tsc, with
 * `allowJs`, copies it to dist/ beside the compiled pool), with no TypeScript loader in the worker.
 *
 * Job:    { id, args: string[], files: Record<path, text>, outputFile?: path }
 * Answer: { id, ok: true, output: string[], file?: Uint8Array }
 *       | { id, ok: false, kind: "input" | "failure", message }   ("input": eSpeak refused the voice)
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

const require = createRequire(import.meta.url);

/** @type {Promise<{ factory: (options: object) => Promise<any>; wasm: WebAssembly.Module }> | undefined} */
let loaded;

function loadEspeak() {
  loaded ??= (async () => {
    const entry = require.resolve("espeak-ng");
    const wasmPath = entry.replace(/espeak-ng\.js$/, "espeak-ng.wasm");
    const [module, wasm] = await Promise.all([
      import("espeak-ng"),
      fs.promises.readFile(wasmPath).then((bytes) => WebAssembly.compile(bytes)),
    ]);
    return { factory: module.default, wasm };
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/** eSpeak's complaint about a voice it cannot load: the request's fault, not the worker's. */
const VOICE_REFUSED = /voice|language/i;

async function runEspeak({ args, files = {}, outputFile }) {
  const { factory, wasm } = await loadEspeak();
  const output = [];
  const errors = [];
  const instance = await factory({
    arguments: args,
    preRun: [(module) => Object.entries(files).forEach(([path, text]) => module.FS.writeFile(path, text))],
    // The compiled module is reused; each run only instantiates it (Emscripten's hook for that).
    instantiateWasm(imports, done) {
      void WebAssembly.instantiate(wasm, imports).then((created) => done(created, wasm));
      return {};
    },
    print: (line) => output.push(line),
    printErr: (line) => errors.push(line),
  });
  if (errors.some((line) => /error|unknown|failed/i.test(line))) {
    const message = `eSpeak NG: ${errors.join(" ").slice(0, 300)}`;
    throw Object.assign(new Error(message), {
      kind: errors.some((line) => VOICE_REFUSED.test(line)) ? "input" : "failure",
    });
  }
  const file = outputFile ? instance.FS.readFile(outputFile) : undefined;
  // Transferred to the main thread, so it must own its whole buffer.
  return { output, file: file && file.byteLength !== file.buffer.byteLength ? file.slice() : file };
}

parentPort.on("message", async (job) => {
  try {
    const { output, file } = await runEspeak(job);
    parentPort.postMessage({ id: job.id, ok: true, output, file }, file ? [file.buffer] : []);
  } catch (error) {
    parentPort.postMessage({
      id: job.id,
      ok: false,
      kind: error?.kind === "input" ? "input" : "failure",
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
