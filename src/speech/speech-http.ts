import {
  createServiceHttp,
  mediaTypeOf,
  type ServiceHttp,
  type ServiceHttpOptions,
} from "../lib/service-http.ts";
import { SpeechProviderError } from "./speech.ts";

export { joinUrl, mediaTypeOf, readUpstreamMessage } from "../lib/service-http.ts";
export type { ServiceHttpRequest as SpeechHttpRequest } from "../lib/service-http.ts";

/** What every cloud speech provider factory takes besides its configuration. */
export interface CloudSpeechOptions {
  /** the network; tests pass one that reaches the loopback fake */
  fetch?: typeof fetch | undefined;
}

export type SpeechHttp = ServiceHttp;

/**
 * The HTTP of a cloud speech provider (lib/service-http.ts): failures are `SpeechProviderError`s naming it.
 *
 * @example
 * const http = createSpeechHttp({ provider: "azure", fetch, secrets: [key] });
 */
export function createSpeechHttp(
  options: Omit<ServiceHttpOptions, "fail"> & { provider: string },
): SpeechHttp {
  const { provider, ...rest } = options;
  return createServiceHttp({
    ...rest,
    fail: (message, status) => new SpeechProviderError(provider, message, status),
  });
}

/** The language part of a BCP 47 tag, lower-case: `de-DE` -> `de`. */
export function languageOf(locale: string | undefined): string | undefined {
  const language = locale?.split(/[-_]/)[0]?.toLowerCase();
  return language && /^[a-z]{2,3}$/.test(language) ? language : undefined;
}

const UPLOAD_EXTENSIONS: Record<string, string> = {
  "audio/wav": "wav",
  "audio/wave": "wav",
  "audio/x-wav": "wav",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/webm": "webm",
  "video/webm": "webm",
  "audio/ogg": "ogg",
  "audio/opus": "ogg",
  "audio/mp4": "m4a",
  "audio/m4a": "m4a",
  "audio/x-m4a": "m4a",
  "video/mp4": "m4a",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
};

/**
 * The file name an upload goes by (`audio.webm`): transcription services pick the decoder from the
 * extension, so the name must match the bytes. Undefined for a type none of them decodes.
 */
export function audioFileName(contentType: string): string | undefined {
  const extension = UPLOAD_EXTENSIONS[mediaTypeOf(contentType) ?? ""];
  return extension ? `audio.${extension}` : undefined;
}

/** What a cloud speech provider's synthesizer and recognizer share: its name, root URL, HTTP and auth headers. */
export interface SpeechServiceContext {
  name: string;
  base: string;
  http: SpeechHttp;
  headers: Record<string, string>;
}
