import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { withIdempotencyKey } from "../idempotency.ts";
import type { AppEnv } from "../app-env.ts";
import { requireScope } from "../auth.ts";
import { idParamSchema, jsonBody, jsonContent, problemResponses } from "../openapi-common.ts";
import {
  defaultModelInputSchema,
  downloadInputSchema,
  localServerInputSchema,
} from "../schemas/model-setup-schemas.ts";
import { providerSchema } from "./provider-routes.ts";
import { LOCAL_SERVER_KINDS } from "../../models/local-model-servers.ts";

const tags = ["Model setup"];
const adminOnly = [requireScope("admin")];

const modelSetupSchema = z
  .object({
    default_model: z
      .string()
      .nullable()
      .openapi({ description: "The tenant's own default model (`provider/model`); null: the server's" }),
    effective_default_model: z
      .string()
      .openapi({ description: "What a persona without a model of its own answers with now" }),
    offline: z.boolean().openapi({ description: "The effective default is the offline test engine (no AI)" }),
    needs_setup: z.boolean().openapi({
      description: "The tenant chose no default model and the server's default is the offline engine",
    }),
    local_servers_available: z.boolean().openapi({
      description:
        "This tenant may use model servers on the server's own machine (/local-servers): the operator's tenant, while discovery is on",
    }),
    downloads_available: z.boolean().openapi({
      description: "This tenant may download models onto the server (/downloads): the operator's tenant",
    }),
  })
  .openapi("ModelSetup");

const localServerSchema = z
  .object({
    kind: z.enum(LOCAL_SERVER_KINDS),
    name: z.string().openapi({ description: "The provider name it is added under" }),
    base_url: z.string().openapi({ description: "Its OpenAI-compatible API root (`<address>/v1`)" }),
    reachable: z.boolean(),
    models: z.array(z.string()),
    added: z.boolean().openapi({ description: "A provider of this tenant has this base_url" }),
  })
  .openapi("LocalModelServer");

const availableModelSchema = z
  .object({
    id: z.string().openapi({ description: "`provider/model`, as persona definitions name it" }),
    provider: z.string(),
    label: z.string(),
    source: z.enum(["offline", "local", "server", "tenant"]).openapi({
      description:
        "offline: the built-in test engine; local: a GGUF file on this server; server: the operator's " +
        "providers; tenant: this tenant's providers",
    }),
    description: z.string().optional(),
  })
  .openapi("AvailableModel");

const hostedProviderSchema = z
  .object({
    id: z.enum(["openai", "openrouter", "anthropic"]),
    name: z.string(),
    kind: z.enum(["openai-compatible", "anthropic"]),
    base_url: z.string(),
    key_url: z.string().openapi({ description: "Where the user creates an API key" }),
  })
  .openapi("HostedProviderPreset");

const getSetupRoute = createRoute({
  method: "get",
  path: "/v1/model-setup",
  tags,
  summary: "The tenant's default model, and whether a real model still needs setting up",
  responses: { 200: jsonContent(modelSetupSchema, "Model setup"), ...problemResponses() },
});

const putDefaultRoute = createRoute({
  method: "put",
  path: "/v1/model-setup/default-model",
  tags,
  summary:
    "Choose the model every persona without its own answers with (null: the server's default); it must " +
    "resolve through a configured provider",
  middleware: adminOnly,
  request: { body: jsonBody(defaultModelInputSchema) },
  responses: { 200: jsonContent(modelSetupSchema, "Model setup"), ...problemResponses(413, 422) },
});

const localServersRoute = createRoute({
  method: "get",
  path: "/v1/model-setup/local-servers",
  tags,
  summary:
    "Model servers on this machine (Ollama, LM Studio, llama.cpp, vLLM) at their fixed addresses, probed " +
    "now; empty unless this is the operator's tenant and discovery is on",
  responses: {
    200: jsonContent(z.object({ servers: z.array(localServerSchema) }), "Local servers"),
    ...problemResponses(),
  },
});

const addLocalServerRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/model-setup/local-servers",
    tags,
    summary:
      "Add a discovered local model server as an OpenAI-compatible provider of this tenant (the outbound " +
      "policy lets exactly that address through for it)",
    middleware: adminOnly,
    request: { body: jsonBody(localServerInputSchema) },
    responses: { 201: jsonContent(providerSchema, "The provider"), ...problemResponses(409, 413, 422) },
  }),
);

const modelsRoute = createRoute({
  method: "get",
  path: "/v1/model-setup/models",
  tags,
  summary: "Every model the tenant can use, for the model picker (upstream lists are cached briefly)",
  request: {
    query: z.object({
      q: z
        .string()
        .max(200)
        .optional()
        .openapi({ description: "Keeps models whose id or label contains it" }),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        models: z.array(availableModelSchema),
        warnings: z.array(z.object({ provider: z.string(), message: z.string() })),
      }),
      "Models",
    ),
    ...problemResponses(),
  },
});

const hostedProvidersRoute = createRoute({
  method: "get",
  path: "/v1/model-setup/hosted-providers",
  tags,
  summary: "Hosted model services that need only a key: add one with POST /v1/providers",
  responses: {
    200: jsonContent(z.object({ providers: z.array(hostedProviderSchema) }), "Presets"),
    ...problemResponses(),
  },
});

const catalogEntrySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    size_bytes: z.number().int(),
    licence: z.string(),
    sha256: z.string().nullable().openapi({ description: "null: not known; the file is not verified" }),
    url: z.string(),
    model_id: z.string().openapi({ description: "The `local/<name>` id it is used as once downloaded" }),
    downloaded: z.boolean(),
  })
  .openapi("ModelCatalogEntry");

const downloadSchema = z
  .object({
    id: z.string(),
    catalog_id: z.string(),
    model_id: z.string().openapi({ description: "The `local/<name>` id the model is used as once done" }),
    status: z.enum(["queued", "downloading", "done", "failed"]),
    received_bytes: z.number().int(),
    total_bytes: z.number().int().nullable(),
    error: z.string().optional().openapi({ description: "Why the last attempt failed" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ModelDownload");

const catalogRoute = createRoute({
  method: "get",
  path: "/v1/model-setup/downloads/catalog",
  tags,
  summary: "Curated GGUF models this server can download (run as local/<name> once downloaded)",
  responses: {
    200: jsonContent(z.object({ models: z.array(catalogEntrySchema) }), "Catalog"),
    ...problemResponses(),
  },
});

const startDownloadRoute = createRoute(
  withIdempotencyKey({
    method: "post",
    path: "/v1/model-setup/downloads",
    tags,
    summary:
      "Download a catalog model in the background (idempotent per entry: returns the download in " +
      "progress or done; restarts a failed one, resuming its partial file)",
    middleware: adminOnly,
    request: { body: jsonBody(downloadInputSchema) },
    responses: { 202: jsonContent(downloadSchema, "The download"), ...problemResponses(413, 422) },
  }),
);

const listDownloadsRoute = createRoute({
  method: "get",
  path: "/v1/model-setup/downloads",
  tags,
  summary: "The model downloads this tenant started (only the operator's tenant starts any), with progress",
  responses: {
    200: jsonContent(z.object({ downloads: z.array(downloadSchema) }), "Downloads"),
    ...problemResponses(),
  },
});

const getDownloadRoute = createRoute({
  method: "get",
  path: "/v1/model-setup/downloads/{id}",
  tags,
  summary: "One download's progress",
  request: { params: idParamSchema },
  responses: { 200: jsonContent(downloadSchema, "The download"), ...problemResponses(404) },
});

export function modelSetupRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const service = (c: { var: AppEnv["Variables"] }) => c.var.services.modelSetup;

  router.openapi(getSetupRoute, async (c) =>
    c.json(await service(c).describe(c.var.principal.tenantId), 200),
  );
  router.openapi(putDefaultRoute, async (c) =>
    c.json(await service(c).setDefaultModel(c.var.principal.tenantId, c.req.valid("json").model), 200),
  );
  router.openapi(localServersRoute, async (c) =>
    c.json({ servers: await service(c).listLocalServers(c.var.principal.tenantId) }, 200),
  );
  router.openapi(addLocalServerRoute, async (c) =>
    c.json(await service(c).addLocalServer(c.var.principal.tenantId, c.req.valid("json").kind), 201),
  );
  router.openapi(modelsRoute, async (c) =>
    c.json(await service(c).listModels(c.var.principal.tenantId, c.req.valid("query").q), 200),
  );
  router.openapi(hostedProvidersRoute, (c) => c.json({ providers: [...service(c).hostedProviders()] }, 200));
  const downloads = (c: { var: AppEnv["Variables"] }) => c.var.services.modelDownloads;
  router.openapi(catalogRoute, async (c) => c.json({ models: await downloads(c).catalog() }, 200));
  router.openapi(startDownloadRoute, async (c) =>
    c.json(await downloads(c).start(c.var.principal.tenantId, c.req.valid("json").catalog_id), 202),
  );
  router.openapi(listDownloadsRoute, async (c) =>
    c.json({ downloads: await downloads(c).list(c.var.principal.tenantId) }, 200),
  );
  router.openapi(getDownloadRoute, async (c) =>
    c.json(await downloads(c).get(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );
  return router;
}
