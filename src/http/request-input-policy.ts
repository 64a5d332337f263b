import type { Context, MiddlewareHandler, Next } from "hono";
import { JsonInputError, parseBoundedJson } from "../lib/bounded-json.ts";
import {
  BadRequestError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldError,
} from "../errors/app-error.ts";

/**
 * The edge of every request: a path that cannot be percent-decoded and a JSON body that is not UTF-8, not
 * JSON, or beyond the JSON policy (depth 64, 1,000 keys per object, 10,000 items per array) are refused
 * here with a 4xx, before routing, validation or any service sees them. Errors are thrown, so the one
 * error handler renders them (a problem document, or OpenAI's error shape on the OpenAI routes).
 */

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;
const UTF8_CHARSETS = new Set(["utf-8", "utf8"]);
const EXCERPT_LENGTH = 80;

function excerpt(text: string): string {
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
}

/**
 * Refuses a path with malformed percent-encoding (`/%`, `/v1/personas/%zz`, `/%ff`), which would otherwise
 * reach handlers that decode it and throw. Every segment must decode as UTF-8.
 */
export const rejectUndecodablePaths: MiddlewareHandler = async (c: Context, next: Next) => {
  const url = c.req.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const end = url.search(/[?#]/);
  const rawPath = start < 0 ? "/" : url.slice(start, end < start ? undefined : end);
  if (rawPath.includes("%")) {
    for (const segment of rawPath.split("/")) {
      try {
        decodeURIComponent(segment);
      } catch {
        throw new BadRequestError(
          `the request path is not valid percent-encoding (segment ${JSON.stringify(excerpt(segment))}): ` +
            "escape '%' as %25 and encode text as UTF-8",
          [{ field: "(path)", message: "invalid percent-encoding" }],
        );
      }
    }
  }
  await next();
};

function mediaTypeOf(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

function bodyError(message: string): FieldError[] {
  return [{ field: "(body)", message }];
}

function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    // A leading byte-order mark is dropped, as RFC 8259 allows.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError(
      "the request body is not valid UTF-8: JSON must be sent as UTF-8",
      bodyError("invalid UTF-8"),
    );
  }
}

function parseJsonBody(text: string): unknown {
  try {
    // The size is bounded by the body limit already; here the shape is what matters.
    return parseBoundedJson(text, { maxBytes: Number.POSITIVE_INFINITY });
  } catch (error) {
    if (!(error instanceof JsonInputError)) throw error;
    if (error.isPolicyLimit) {
      throw new ValidationError(bodyError(error.message), `the request body is refused: ${error.message}`);
    }
    throw new BadRequestError(
      `the request body is not valid JSON: ${excerpt(error.message.replace(/^invalid JSON: /, ""))}`,
      bodyError("invalid JSON"),
    );
  }
}

/**
 * Reads every JSON request body once, within the JSON policy, and hands the parsed value to the route's
 * validator, so zod, merging and storage never see an over-deep or over-wide value. Bodies of other
 * content types pass through to the route, which refuses what it does not accept (415). An empty JSON
 * body is left for the route too: routes without a body ignore it, routes with one answer 400.
 *
 * @example app.use("/v1/*", boundJsonBodies({ isRawBodyPath: (path) => path === "/v1/personas/import" }))
 */
export function boundJsonBodies(options: { isRawBodyPath: (path: string) => boolean }): MiddlewareHandler {
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method) || options.isRawBodyPath(c.req.path)) return next();
    const contentType = c.req.header("content-type") ?? "";
    if (!JSON_MEDIA_TYPE.test(mediaTypeOf(contentType))) return next();
    const charset = charsetOf(contentType);
    if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
      throw new UnsupportedMediaTypeError(
        `JSON bodies must be UTF-8; charset=${excerpt(charset)} is not accepted`,
      );
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length === 0) return next();
    const text = decodeUtf8Body(bytes);
    const value = parseJsonBody(text);
    // Later readers get the checked text and value instead of decoding the bytes again.
    // hono types the cache by value but stores promises in it (see HonoRequest#cachedBody).
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
    c.req.json = <T>() => Promise.resolve(value as T);
    await next();
  };
}
