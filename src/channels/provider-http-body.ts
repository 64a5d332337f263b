import type { ProviderRequest } from "./provider-http.ts";
import { ProviderDownloadTooLargeError } from "./provider-http-errors.ts";

/* The bodies ProviderHttpClient sends and reads: form, JSON or bytes out; capped bytes, JSON or text in. */

/** The body's bytes, stopped (and the rest cancelled) once they pass `maxBytes`. */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  provider: string,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      await body.cancel().catch(() => {});
      throw new ProviderDownloadTooLargeError(maxBytes, provider);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** The request's body: its bytes, its form URL-encoded, or its JSON. */
export function bodyFor(request: ProviderRequest): string | Uint8Array | undefined {
  if (request.binary !== undefined) return request.binary.bytes;
  if (request.form !== undefined) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(request.form)) {
      if (value === undefined) continue;
      for (const item of typeof value === "string" ? [value] : value) form.append(name, item);
    }
    return form.toString();
  }
  return request.json === undefined ? undefined : JSON.stringify(request.json);
}

/** A response's text, parsed when it is JSON (left as text when the JSON is broken). */
export function parseBody(text: string, contentType: string | null): unknown {
  if (text === "") return undefined;
  if (contentType !== null && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** A response's headers as a plain record with lower-case names. */
export function lowerCaseHeaders(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name.toLowerCase()] = value;
  });
  return record;
}
