import { hidePrivatePersonas } from "./http/persona-visibility.ts";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { Logger } from "pino";
import type { Config } from "./config/config.ts";
import { apiReferenceRoutes } from "./http/api-reference.ts";
import type { AppEnv } from "./http/app-env.ts";
import { authenticate } from "./http/auth.ts";
import { idempotencyKeyParameter } from "./http/idempotency.ts";
import { HttpMetrics, serveMetrics } from "./http/metrics.ts";
import { Metrics } from "./lib/metrics.ts";
import { jsonContent } from "./http/openapi-common.ts";
import { webAppRoutes } from "./http/web-app.ts";
import { handleError, problemResponse } from "./http/problem.ts";
import { boundJsonBodies, rejectUndecodablePaths } from "./http/request-input-policy.ts";
import { countRequests, rateLimitHeadersMiddleware } from "./http/rate-limit.ts";
import { chatCompletionRoutes } from "./http/openai/chat-completion-routes.ts";
import { openAIModelRoutes } from "./http/openai/model-routes.ts";
import { openAIEmbeddingRoutes } from "./http/openai/embedding-routes.ts";
import { openAIRouteNotFound } from "./http/openai/openai-errors.ts";
import { accountRoutes } from "./http/routes/account-routes.ts";
import { activePersonaRoutes } from "./http/routes/active-persona-routes.ts";
import { authRoutes } from "./http/routes/auth-routes.ts";
import { cohortRoutes } from "./http/routes/cohort-routes.ts";
import { conversationArchiveRoutes } from "./http/routes/conversation-archive-routes.ts";
import { conversationRoutes } from "./http/routes/conversation-routes.ts";
import { chatControlRoutes } from "./http/routes/chat-control-routes.ts";
import { promptInspectorRoutes } from "./http/routes/prompt-inspector-routes.ts";
import { jobRoutes } from "./http/routes/job-routes.ts";
import { lorebookRoutes } from "./http/routes/lorebook-routes.ts";
import { keyRoutes } from "./http/routes/key-routes.ts";
import { memoryRoutes } from "./http/routes/memory-routes.ts";
import { modelSetupRoutes } from "./http/routes/model-setup-routes.ts";
import { providerRoutes } from "./http/routes/provider-routes.ts";
import { personaAssistRoutes } from "./http/routes/persona-assist-routes.ts";
import { personaAvatarRoutes } from "./http/routes/persona-avatar-routes.ts";
import { personaCardRoutes } from "./http/routes/persona-card-routes.ts";
import { personaAssetRoutes } from "./http/routes/persona-asset-routes.ts";
import { speechRoutes } from "./http/routes/speech-routes.ts";
import { mediaRoutes } from "./http/routes/media-routes.ts";
import { mediaCatalogRoutes } from "./http/routes/media-catalog-routes.ts";
import { callRoutes } from "./http/routes/call-routes.ts";
import { twilioVoiceRoutes } from "./http/routes/twilio-voice-routes.ts";
import { mediaLinkRoutes } from "./http/routes/media-link-routes.ts";
import { personaRoutes } from "./http/routes/persona-routes.ts";
import { populationRoutes } from "./http/routes/population-routes.ts";
import { scheduledMessageRoutes } from "./http/routes/scheduled-message-routes.ts";
import { skillRoutes } from "./http/routes/skill-routes.ts";
import { channelRoutes } from "./http/routes/channel-routes.ts";
import { smsRoutes } from "./http/routes/sms-routes.ts";
import { whatsappRoutes } from "./http/routes/whatsapp-routes.ts";
import { pushRoutes } from "./http/routes/push-routes.ts";
import { studyRoutes } from "./http/routes/study-routes.ts";
import { tiePersonaRoutes } from "./http/routes/tie-persona-routes.ts";
import { isWebAppVisit } from "./http/web-app-visit.ts";
import { tenantRoutes } from "./http/routes/tenant-routes.ts";
import { usageRoutes } from "./http/routes/usage-routes.ts";
import { userPersonaRoutes } from "./http/routes/user-persona-routes.ts";
import {
  PayloadTooLargeError,
  ValidationError,
  fieldErrorsFromIssues,
  BadRequestError,
} from "./errors/app-error.ts";
import type { Services } from "./composition/create-services.ts";
import { pingDatabase } from "./store/database.ts";

export interface AppOptions {
  services: Services;
  logger: Logger;
  config: Pick<Config, "bodyLimitBytes" | "importLimitBytes"> &
    Partial<Pick<Config, "memoryImportLimitBytes" | "metricsToken" | "trustProxyHops">>;
  /** The built web app to serve at /; web/dist by default. */
  webDirectory?: string;
  /** The process's metrics, served at /metrics; default: a registry of this app's own. */
  metrics?: Metrics;
  /** Checked by /healthz; defaults to a trivial query. */
  checkHealth?: () => Promise<void>;
}

export const API_VERSION = "0.1.0";

/** Paths whose bodies may be larger than the general limit (Character Card PNGs). */
const CHAT_COMPLETIONS_PATH = "/v1/chat/completions";
const IMPORT_PATH = "/v1/personas/import";
const AVATAR_PATH = /^\/v1\/personas\/[^/]+\/avatar$/;
const MEMORY_IMPORT_PATH = /^\/v1\/personas\/[^/]+\/memories\/import$/;
/** Chat files (SillyTavern JSONL is not JSON): read raw, within the import limit. */
const CONVERSATION_IMPORT_PATH = "/v1/conversations/import";
/** Audio uploads: transcriptions and voice messages, read raw or as multipart forms. */
const AUDIO_UPLOAD_PATH = /^\/v1\/(transcriptions|audio\/transcriptions|conversations\/[^/]+\/recordings)$/;

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["System"],
  summary: "Liveness and database reachability",
  security: [],
  responses: {
    200: jsonContent(z.object({ status: z.literal("ok") }), "The server and its database are up"),
    503: jsonContent(z.object({ status: z.literal("unavailable") }), "The database cannot be reached"),
  },
});

/**
 * Builds the HTTP application: middleware, every route, the OpenAPI document and one error handler.
 *
 * @example const app = createApp({ services, logger, config }); serve({ fetch: app.fetch });
 */
export function createApp(options: AppOptions): OpenAPIHono<AppEnv> {
  const { services, logger, config } = options;
  const metrics = options.metrics ?? new Metrics();
  const httpMetrics = new HttpMetrics(metrics.registry);
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const errors = fieldErrorsFromIssues(result.error.issues);
      // A missing or malformed header is a malformed request; a bad field value is unprocessable content.
      if (result.target === "header")
        throw new BadRequestError(errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
      throw new ValidationError(errors);
    },
  });

  app.onError((error, c) => handleError(error, c, logger));
  app.notFound(
    (c) =>
      // OpenAI's paths (served or not) answer in OpenAI's error shape: 404 unknown_url, or 405.
      openAIRouteNotFound(c) ??
      problemResponse(c, {
        title: "Not Found",
        status: 404,
        detail: `no route for ${c.req.method} ${c.req.path}`,
      }),
  );

  app.use("*", requestId());
  app.use("*", httpMetrics.middleware);
  app.use("*", async (c, next) => {
    c.set("services", services);
    c.set("logger", logger);
    const started = performance.now();
    await next();
    logger.info(
      {
        request_id: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
      },
      "request",
    );
  });
  app.use("*", rejectUndecodablePaths);

  const generalLimit = bodyLimit({
    maxSize: config.bodyLimitBytes,
    onError: () => {
      throw new PayloadTooLargeError(config.bodyLimitBytes);
    },
  });
  const importLimit = bodyLimit({
    maxSize: config.importLimitBytes,
    onError: () => {
      throw new PayloadTooLargeError(config.importLimitBytes);
    },
  });
  const memoryImportBytes = config.memoryImportLimitBytes ?? 256 * 1024 * 1024;
  const memoryImportLimit = bodyLimit({
    maxSize: memoryImportBytes,
    onError: () => {
      throw new PayloadTooLargeError(memoryImportBytes);
    },
  });
  // The API's middleware, in order. Rate limits wrap every request: the headers go on every answer,
  // errors included. The JSON policy runs after authentication, so an anonymous caller cannot make the
  // server parse anything.
  const apiMiddleware: MiddlewareHandler<AppEnv>[] = [
    rateLimitHeadersMiddleware({ limits: services.rateLimits, trustedProxyHops: config.trustProxyHops ?? 0 }),
    (c, next) => {
      // Uploads, and chat completions, whose messages may carry images and files as data: URLs.
      if (
        c.req.path === IMPORT_PATH ||
        c.req.path === CONVERSATION_IMPORT_PATH ||
        c.req.path === CHAT_COMPLETIONS_PATH ||
        AVATAR_PATH.test(c.req.path) ||
        AUDIO_UPLOAD_PATH.test(c.req.path)
      )
        return importLimit(c, next);
      if (MEMORY_IMPORT_PATH.test(c.req.path)) return memoryImportLimit(c, next);
      return generalLimit(c, next);
    },
    authenticate,
    countRequests(services.rateLimits),
    boundJsonBodies({
      // These read their bodies raw, with their own bounds (cards, images, bulk memory imports).
      isRawBodyPath: (path) =>
        path === IMPORT_PATH ||
        path === CONVERSATION_IMPORT_PATH ||
        AVATAR_PATH.test(path) ||
        AUDIO_UPLOAD_PATH.test(path) ||
        MEMORY_IMPORT_PATH.test(path),
    }),
  ];
  for (const middleware of apiMiddleware) app.use("/v1/*", middleware);
  // TIE's personas API lives at /personas (its clients expect that path) under the same middleware; a
  // browser's visit to the web app's /personas screens passes through untouched.
  // ("/personas/*" also matches "/personas" itself.)
  for (const middleware of apiMiddleware) {
    app.use("/personas/*", (c, next) => (isWebAppVisit(c) ? next() : middleware(c, next)));
  }

  // Another member's private persona is a 404 on every path under /v1/personas/{id}.
  app.use("/v1/personas/*", hidePrivatePersonas);

  const checkHealth = options.checkHealth ?? (() => pingDatabase(services.store.db));
  app.openapi(healthRoute, async (c) => {
    try {
      await checkHealth();
      return c.json({ status: "ok" as const }, 200);
    } catch (error) {
      logger.error({ err: error }, "health check failed");
      return c.json({ status: "unavailable" as const }, 503);
    }
  });

  app.get("/metrics", serveMetrics({ registry: metrics.registry, token: config.metricsToken }));

  app.route("/", authRoutes());
  app.route("/", accountRoutes());
  app.route("/", activePersonaRoutes());
  app.route("/", memoryRoutes());
  app.route("/", personaAssistRoutes());
  app.route("/", personaRoutes());
  app.route("/", personaCardRoutes());
  app.route("/", personaAvatarRoutes());
  app.route("/", personaAssetRoutes());
  app.route("/", speechRoutes());
  app.route("/", mediaCatalogRoutes());
  app.route("/", mediaRoutes());
  app.route("/", callRoutes());
  app.route("/", twilioVoiceRoutes());
  app.route("/", mediaLinkRoutes());
  app.route("/", userPersonaRoutes());
  app.route("/", lorebookRoutes());
  // Before conversationRoutes: /v1/conversations/search must not be read as a conversation id.
  app.route("/", conversationArchiveRoutes());
  app.route("/", conversationRoutes());
  app.route("/", chatControlRoutes());
  app.route("/", promptInspectorRoutes());
  app.route("/", usageRoutes());
  app.route("/", jobRoutes());
  app.route("/", providerRoutes());
  app.route("/", modelSetupRoutes());
  app.route("/", skillRoutes());
  app.route("/", cohortRoutes());
  app.route("/", populationRoutes());
  app.route("/", studyRoutes());
  app.route("/", scheduledMessageRoutes());
  app.route("/", channelRoutes());
  app.route("/", smsRoutes());
  app.route("/", whatsappRoutes());
  app.route("/", pushRoutes());
  app.route("/", chatCompletionRoutes());
  app.route("/", tiePersonaRoutes());
  app.route("/", openAIModelRoutes());
  app.route("/", openAIEmbeddingRoutes());
  app.route("/", keyRoutes());
  app.route("/", tenantRoutes());
  app.route("/", apiReferenceRoutes());

  // One shared parameter every route that honours Idempotency-Key refers to.
  app.openAPIRegistry.registerParameter("IdempotencyKey", idempotencyKeyParameter);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key: Authorization: Bearer dra_...",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Dramatis API",
      version: API_VERSION,
      description:
        "Personas, user personas, versions, join codes and Character Cards. Authenticate with an API key; " +
        "name the end user with X-Dramatis-User where an endpoint acts for one. JSON bodies must be UTF-8 " +
        "application/json and within one policy: at most 64 levels of nesting, 1,000 keys per object and " +
        "10,000 items per array (422 otherwise, 400 for invalid JSON or UTF-8, 415 for another content " +
        "type or charset). A path with malformed percent-encoding is 400. Every /v1 response carries " +
        'RateLimit-Policy (`"default";q=600;w=60`) and RateLimit (`"default";r=599;t=60`) headers ' +
        "(draft-ietf-httpapi-ratelimit-headers); past the quota the answer is 429 with Retry-After.",
    },
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
  });

  app.route("/", webAppRoutes(options.webDirectory));

  return app;
}
