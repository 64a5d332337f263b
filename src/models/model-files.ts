import { stat } from "node:fs/promises";
import path from "node:path";
import { downloadModel, type DownloadedModel, type DownloadProgress } from "./model-download.ts";

/** The server's models directory as the download service uses it (injected so tests can stand in). */
export interface ModelFiles {
  /** Whether `<directory>/<fileName>` is a complete file (a `.part` is not). */
  has(fileName: string): Promise<boolean>;
  /** Downloads into the directory, resuming a `.part`, verifying the SHA-256 when given. */
  download(options: {
    url: string;
    sha256?: string | undefined;
    signal?: AbortSignal;
    onProgress?: (progress: DownloadProgress) => void;
  }): Promise<DownloadedModel>;
}

/** ModelFiles over a real directory, downloading with `downloadModel`. */
export function createModelFiles(directory: string, fetch?: typeof globalThis.fetch): ModelFiles {
  return {
    async has(fileName) {
      return (await stat(path.join(directory, fileName)).catch(() => undefined))?.isFile() ?? false;
    },
    download(options) {
      return downloadModel({
        url: options.url,
        directory,
        ...(options.sha256 ? { sha256: options.sha256 } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(fetch ? { fetch } : {}),
      });
    },
  };
}
