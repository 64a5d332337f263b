/**
 * @dramatis/sdk: the typed client for the Dramatis API. The types come from the server's own
 * /openapi.json (`npm run sdk` regenerates src/schema.ts); calls go through openapi-fetch.
 */
export { createDramatisClient, streamEvents, unwrap } from "./client.ts";
export type { DramatisClient, DramatisClientOptions } from "./client.ts";
export { DramatisApiError, problemError } from "./problem.ts";
export type { FieldError } from "./problem.ts";
export { readServerSentEvents } from "./server-sent-events.ts";
export type { ServerSentEvent } from "./server-sent-events.ts";
export type { components, operations, paths } from "./schema.ts";

import type { components } from "./schema.ts";

/** A named schema of the API, e.g. `Schema<"Persona">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
export { streamReply, watchInbox, watchJob, watchStudy } from "./streams.ts";
export type { InboxEvent, JobEvent, ReplyEvent } from "./streams.ts";
