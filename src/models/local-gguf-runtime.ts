import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { UpstreamModelError } from "./language-model.ts";
import type { LlamaInstance, NodeLlamaCppModule } from "./node-llama-cpp-types.ts";

/**
 * Finding and starting node-llama-cpp, an optional install. The package is imported on first use only,
 * so Dramatis starts without it; every failure names the command that installs it.
 */

/** The node-llama-cpp version Dramatis is tested with. */
export const NODE_LLAMA_CPP_VERSION = "3.22.1";

const PACKAGE_NAME = "node-llama-cpp";

export interface LocalGgufRuntimeOptions {
  /**
   * A directory holding a separate `npm install --prefix` of node-llama-cpp, tried when the project itself
   * has none. Installing there keeps `--omit=optional` away from the project's own native packages.
   */
  runtimeDirectory?: string;
  /** Loads node-llama-cpp; tests substitute it. Defaults to `import("node-llama-cpp")`. */
  importModule?: () => Promise<unknown>;
}

/** A started runtime: the module (for `LlamaChat`) and the native `Llama` instance. */
export interface LocalGgufRuntime {
  module: NodeLlamaCppModule;
  llama: LlamaInstance;
}

/**
 * Whether node-llama-cpp can be imported here (it is an optional install).
 *
 * @example if (!(await isLocalGgufRuntimeAvailable())) console.log(describeLocalGgufInstall());
 */
export async function isLocalGgufRuntimeAvailable(options: LocalGgufRuntimeOptions = {}): Promise<boolean> {
  const importModule = options.importModule ?? (() => importNodeLlamaCpp(options.runtimeDirectory));
  try {
    return isNodeLlamaCppModule(await importModule());
  } catch {
    return false;
  }
}

/**
 * The shell command that installs the CPU-only node-llama-cpp build (about 85 MB instead of 725 MB).
 * Without a runtime directory it installs into the project, including the GPU builds: `--omit=optional`
 * inside the project would also delete the project's own native packages (esbuild, which `tsx` needs).
 *
 * @example describeLocalGgufInstall("./data/runtime")
 * // 'npm install --prefix "./data/runtime" --omit=optional --no-package-lock node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1'
 */
export function describeLocalGgufInstall(runtimeDirectory?: string): string {
  if (runtimeDirectory === undefined) {
    return `npm install --no-save ${PACKAGE_NAME}@${NODE_LLAMA_CPP_VERSION}`;
  }
  const binaryPackage = `@node-llama-cpp/${platformBinaryName()}@${NODE_LLAMA_CPP_VERSION}`;
  return `npm install --prefix ${JSON.stringify(runtimeDirectory)} --omit=optional --no-package-lock ${PACKAGE_NAME}@${NODE_LLAMA_CPP_VERSION} ${binaryPackage}`;
}

/** Imports node-llama-cpp and starts its CPU backend, turning each failure into an install hint. */
export async function startLocalGgufRuntime(options: {
  importModule: () => Promise<unknown>;
  installHint: string;
  threads: number;
}): Promise<LocalGgufRuntime> {
  let module: unknown;
  try {
    module = await options.importModule();
  } catch (error) {
    throw new UpstreamModelError(
      `local GGUF models need node-llama-cpp, which is not installed (${describeError(error)}). Install it with: ${options.installHint}`,
      undefined,
      false,
    );
  }
  if (!isNodeLlamaCppModule(module)) {
    throw new UpstreamModelError(
      `the installed node-llama-cpp is not usable; install ${PACKAGE_NAME}@${NODE_LLAMA_CPP_VERSION}`,
      undefined,
      false,
    );
  }
  try {
    // "never" build: a missing prebuilt binary must fail clearly, not start a long source build mid-request.
    const llama = await module.getLlama({
      gpu: false,
      build: "never",
      maxThreads: options.threads,
      logLevel: "error",
    });
    return { module, llama };
  } catch (error) {
    throw new UpstreamModelError(
      `node-llama-cpp could not start (${describeError(error)}); it needs the prebuilt CPU binary @node-llama-cpp/${platformBinaryName()}@${NODE_LLAMA_CPP_VERSION}. Install with: ${options.installHint}`,
      undefined,
      false,
    );
  }
}

/** Imports node-llama-cpp from the project, else from a separate runtime directory. */
export async function importNodeLlamaCpp(runtimeDirectory: string | undefined): Promise<unknown> {
  // A variable specifier keeps tsc from resolving the optional package at compile time.
  const specifier: string = PACKAGE_NAME;
  try {
    return await import(specifier);
  } catch (error) {
    // Any failure, not just "not found": loaders such as tsx report a missing package in their own words.
    if (runtimeDirectory === undefined) throw error;
  }
  const requireFromRuntime = createRequire(path.join(path.resolve(runtimeDirectory), "package.json"));
  return import(pathToFileURL(requireFromRuntime.resolve(PACKAGE_NAME)).href);
}

/** The first line of an error, shortened: loader errors can embed a whole compiled module. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n")[0] ?? "";
  return firstLine.length > 300 ? `${firstLine.slice(0, 300)}…` : firstLine;
}

function isNodeLlamaCppModule(module: unknown): module is NodeLlamaCppModule {
  const candidate = module as Partial<NodeLlamaCppModule> | null;
  return typeof candidate?.getLlama === "function" && typeof candidate.LlamaChat === "function";
}

/** node-llama-cpp's name for this platform's prebuilt CPU binary package. */
function platformBinaryName(): string {
  const platformNames: Record<string, string> = { darwin: "mac", win32: "win", linux: "linux" };
  const platform = platformNames[process.platform] ?? process.platform;
  if (platform === "mac" && process.arch === "arm64") return "mac-arm64-metal";
  return `${platform}-${process.arch === "arm" ? "armv7l" : process.arch}`;
}
