import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UpstreamModelError } from "./language-model.ts";

/*
 * Local model names map to `<name>.gguf` files in one directory.
 */

/**
 * The model name of the first `*.gguf` file (sorted by name) in a directory, for a default model when
 * none is configured; undefined when there is none or the directory is missing.
 *
 * @example findDefaultGguf("./data/models") // "stories260K" -> use "local/stories260K"
 */
export function findDefaultGguf(modelsDirectory: string): string | undefined {
  return listGgufNames(modelsDirectory)[0];
}

/** Model names (file names without `.gguf`) in a directory, sorted; none when the directory is missing. */
export function listGgufNames(directory: string): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.gguf$/i.test(entry.name))
      .map((entry) => entry.name.slice(0, -".gguf".length))
      .sort();
  } catch {
    return []; // a missing models directory simply has no models yet
  }
}

/** `<directory>/<name>.gguf`, or an absolute path as given; names cannot leave the directory. */
export function resolveGgufFile(modelsDirectory: string, modelName: string): string {
  if (path.isAbsolute(modelName)) return requireFile(path.resolve(modelName), modelName);
  if (!/^[^/\\\0]+$/.test(modelName) || modelName === "." || modelName === "..") {
    throw new UpstreamModelError(
      `local model name ${JSON.stringify(modelName)} must be a file name in ${modelsDirectory}`,
      undefined,
      false,
    );
  }
  const fileName = modelName.toLowerCase().endsWith(".gguf") ? modelName : `${modelName}.gguf`;
  return requireFile(path.join(modelsDirectory, fileName), modelName);
}

function requireFile(file: string, modelName: string): string {
  if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file;
  const available = listGgufNames(path.dirname(file));
  throw new UpstreamModelError(
    `local model ${modelName} was not found: no file ${file} (available: ${available.join(", ") || "none"})`,
    undefined,
    false,
  );
}
