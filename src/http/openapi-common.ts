import { z } from "@hono/zod-openapi";
import { PROBLEM_CONTENT_TYPE } from "./problem.ts";

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem", { description: "RFC 9457 problem document; `errors` names each field at fault" });

const problemDescriptions = {
  400: "Malformed request (bad JSON, missing header)",
  401: "Missing, unknown or revoked API key",
  403: "The API key lacks the scope, or the object is read-only",
  404: "Not found (or not visible to this tenant or user)",
  409: "Conflicting concurrent change",
  410: "Gone: the link or object existed and has expired",
  413: "Request body too large",
  415: "The body is of a type (or file format) the operation does not read; `detail` names it",
  422: "A field is invalid; `errors` names it",
  429: "Rate limit reached: wait the Retry-After seconds (RateLimit and RateLimit-Policy say more)",
} as const;

/** Headers of a 429: every /v1 response also carries RateLimit and RateLimit-Policy. */
const rateLimitedHeaders = {
  "Retry-After": {
    description: "Seconds until the token bucket holds a token again",
    schema: { type: "integer" },
  },
  RateLimit: {
    description:
      'Whole tokens left in the bucket and seconds until it is full again (when empty: until the next token), e.g. `"default";r=0;t=42`',
    schema: { type: "string" },
  },
  "RateLimit-Policy": {
    description:
      'The token bucket: capacity (the burst) and the seconds over which it refills whole, e.g. `"default";q=600;w=60`',
    schema: { type: "string" },
  },
} as const;

type ProblemStatus = keyof typeof problemDescriptions;

/**
 * Problem responses for a route's documentation; 401 and 403 are added to every authenticated route,
 * 429 (rate limits) to every route.
 */
export function problemResponses(...statuses: ProblemStatus[]) {
  const all = [...new Set<ProblemStatus>([400, 401, 403, ...statuses, 429])];
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: problemDescriptions[status],
        content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
        ...(status === 429 ? { headers: rateLimitedHeaders } : {}),
      },
    ]),
  ) as unknown as Record<
    ProblemStatus,
    { description: string; content: Record<string, { schema: typeof problemSchema }> }
  >;
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

export const idParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be 1-200")
    .max(200, "must be 1-200")
    .default(50)
    .openapi({ description: "Page size, 1-200 (default 50)" }),
  after: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "Cursor: the next_cursor of the previous page" }),
});

/** A list page on the wire. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name);
}

/**
 * What every X-Dramatis-User header says: only API keys name the user; a signed-in session always acts
 * as its own account's user and the header is ignored (so is a body's `user` field).
 */
export const USER_HEADER_DESCRIPTION =
  "The end user's external id, for API-key requests (a key acts as the tenant and may name any of its " +
  "users). Ignored for a signed-in web session, which always acts as its own user.";

// Optional in the document: a signed-in session names its own user, and with an API key the handler's
// requireUser answers 400 naming this header when it is missing (so SDK callers are not forced to send it).
export const userHeaderSchema = z.object({
  "x-dramatis-user": z
    .string()
    .min(1, "required")
    .optional()
    .openapi({ param: { name: "x-dramatis-user", in: "header" }, description: USER_HEADER_DESCRIPTION }),
});
