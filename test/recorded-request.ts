/**
 * How the loopback fakes (speech, images, ComfyUI) record a request: its method, path, query, headers and
 * raw body, with the body parsed as a real server would read it (JSON, or multipart/form-data through
 * undici's own parser, files as uploads).
 */
import type http from "node:http";

export interface RecordedUpload {
  fileName: string;
  type: string;
  bytes: Uint8Array;
}

export interface RecordedHttpRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: Uint8Array;
  /** the body parsed, for JSON requests */
  json?: unknown;
  /** the fields of a multipart/form-data body; files as uploads */
  form?: Record<string, string | RecordedUpload>;
}

/**
 * @example const recorded = await readRecordedRequest(request, body, baseUrl);
 * `jsonWithoutType`: a body that starts with `{` is read as JSON whatever its content type says.
 */
export async function readRecordedRequest(
  request: http.IncomingMessage,
  body: Uint8Array,
  baseUrl: string,
  options: { jsonWithoutType?: boolean } = {},
): Promise<RecordedHttpRequest> {
  const url = new URL(request.url ?? "/", baseUrl);
  const recorded: RecordedHttpRequest = {
    method: request.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: request.headers,
    body,
  };
  const type = request.headers["content-type"] ?? "";
  const looksJson = options.jsonWithoutType === true && body.length > 0 && body[0] === 0x7b;
  if (type.startsWith("application/json") || looksJson) {
    try {
      recorded.json = JSON.parse(new TextDecoder().decode(body));
    } catch {
      // recorded raw; the fake's handler answers 400
    }
  } else if (type.startsWith("multipart/form-data")) {
    const form = await new Request(url, {
      method: "POST",
      headers: { "content-type": type },
      body,
    }).formData();
    recorded.form = {};
    for (const [name, value] of form) {
      recorded.form[name] =
        typeof value === "string"
          ? value
          : { fileName: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) };
    }
  }
  return recorded;
}
