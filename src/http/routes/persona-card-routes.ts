import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { idempotent, withIdempotencyKeyHeader } from "../idempotency.ts";
import { BadRequestError } from "../../errors/app-error.ts";
import type { AppEnv } from "../app-env.ts";
import { optionalUser, personaEditor } from "../auth.ts";
import { idParamSchema, jsonContent, problemResponses } from "../openapi-common.ts";
import { personaSchema, versionReferenceSchema } from "./persona-routes.ts";

const tags = ["Character Cards"];

const v1Text = (field: string) =>
  z
    .string()
    .optional()
    .openapi({ description: `V1 copy of data.${field}, for readers that predate V2` });

const cardSchema = z
  .object({
    spec: z.enum(["chara_card_v2", "chara_card_v3"]),
    spec_version: z.string(),
    name: v1Text("name"),
    description: v1Text("description"),
    personality: v1Text("personality"),
    scenario: v1Text("scenario"),
    first_mes: v1Text("first_mes"),
    mes_example: v1Text("mes_example"),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("CharacterCard");

const importRoute = createRoute(
  withIdempotencyKeyHeader({
    method: "post",
    path: "/v1/personas/import",
    tags,
    summary: "Create a persona from a Character Card (V1, V2 or V3; JSON, PNG or CHARX)",
    description:
      "Send the card as the raw body (application/json or image/png), or as multipart/form-data with the " +
      "file in a field named `file`. PNG cards carry base64 JSON in a `ccv3` or `chara` tEXt chunk; their " +
      "picture becomes the persona's avatar (re-encoded like an avatar upload, keeping its proportions, at " +
      "most 1536 pixels on its longer side; a picture that breaks the avatar rules is a warning, not an " +
      "error). A CHARX card (a ZIP with `card.json`, as application/zip or in the form) is unpacked within " +
      "bounds (1,000 entries, 10 MB per entry, 200 MB in all, 200:1 ratio: 413 past them, 422 for a damaged " +
      "archive); its main icon becomes the avatar and every asset it lists (embeded:// files, data: URIs) " +
      "is stored (GET /v1/personas/{id}/assets), remote http(s) assets kept as references, never fetched. " +
      "Other files are refused with 415 naming what they look like (a BYAF archive, a JPEG, ...). " +
      "A card nested deeper than 64 levels, with an object of more than 1,000 keys or an array (such as " +
      "lorebook entries) of more than 5,000 items is refused with 422 before it is read further.",
    request: {
      body: {
        required: true,
        content: {
          "application/json": { schema: cardSchema },
          "image/png": { schema: z.string().openapi({ format: "binary" }) },
          "application/zip": { schema: z.string().openapi({ format: "binary" }) },
          "multipart/form-data": { schema: z.object({ file: z.string().openapi({ format: "binary" }) }) },
        },
      },
    },
    responses: {
      201: jsonContent(
        z
          .object({
            persona: personaSchema,
            format: z.enum(["card_v2", "card_v3"]),
            warnings: z.array(z.string()),
          })
          .openapi("CardImport"),
        "The new persona, the card's format and anything worth knowing about the import",
      ),
      ...problemResponses(413, 415, 422),
    },
  }),
);

const exportRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/export",
  tags,
  summary: "Export a persona as a Character Card (JSON, PNG or CHARX)",
  description:
    "The card carries the V1 fields beside `data` for old readers, `mes_example` as imported (while the " +
    "examples are unchanged), and the persona's age, sex, location, occupation and appearance as lines at " +
    "the end of `description` as well as in `extensions.dramatis` (a re-import takes the lines off again). " +
    "A PNG is the persona's current picture (its upload, or the generated one) with a `chara` (V2) chunk, " +
    "and for card_v3 a `ccv3` chunk too. `as=charx` answers a CHARX archive (application/zip; always a V3 " +
    "card, whatever `format` says): `card.json` with `data.assets` naming the persona's picture as the " +
    "`icon` `main` and every stored asset at `assets/{type}/{image|audio|video|other}/{name}.{ext}` " +
    "(`embeded://` uris, the spec's spelling); remote assets keep their URLs.",
  request: {
    params: idParamSchema,
    query: z.object({
      format: z.enum(["card_v2", "card_v3"]).default("card_v2"),
      as: z.enum(["json", "png", "charx"]).default("json"),
      version: z
        .union([z.literal("production"), versionReferenceSchema])
        .default("draft")
        .openapi({ type: "string", description: "draft (default), production, or a version number" }),
    }),
  },
  responses: {
    200: {
      description: "The card",
      content: {
        "application/json": { schema: cardSchema },
        "image/png": { schema: z.string().openapi({ format: "binary" }) },
        "application/zip": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    ...problemResponses(404, 422),
  },
});

/** Reads the card bytes from a raw body or from the `file` field of a multipart form. */
async function readCardUpload(
  request: Request,
): Promise<{ bytes: Uint8Array; contentType?: string; fileName?: string }> {
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType.toLowerCase().startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      // undici throws a TypeError for a missing boundary or a body that is not a multipart form.
      throw new BadRequestError(
        "the body is not a valid multipart form (check the boundary): send the card in a field named 'file', " +
          "or send it raw as application/json or image/png",
        [{ field: "file", message: "unreadable multipart body" }],
      );
    }
    const file = form.get("file");
    if (!(file instanceof File)) {
      throw new BadRequestError("the multipart form must carry the card in a field named 'file'", [
        { field: "file", message: "required" },
      ]);
    }
    return { bytes: new Uint8Array(await file.arrayBuffer()), contentType: file.type, fileName: file.name };
  }
  return { bytes: new Uint8Array(await request.arrayBuffer()), contentType };
}

function fileName(name: string, extension: string): string {
  const safe = name.replace(/[^\w.-]+/g, "_").slice(0, 80) || "persona";
  return `${safe}.${extension}`;
}

export function personaCardRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  // Registered for the document only: the body is read raw, so the card parser's own size and depth
  // bounds apply instead of a generic JSON parse.
  router.openAPIRegistry.registerPath(importRoute);
  router.post(importRoute.path, idempotent, async (c) => {
    const user = await optionalUser(c);
    const upload = await readCardUpload(c.req.raw);
    if (upload.bytes.length === 0) throw new BadRequestError("the request body is empty: send a card");
    const result = await c.var.services.characterCards.import(
      { tenantId: c.var.principal.tenantId, userId: user?.id },
      upload,
    );
    return c.json(result, 201);
  });

  router.openapi(exportRoute, async (c) => {
    const { format, as, version } = c.req.valid("query");
    const exported = await c.var.services.characterCards.export(personaEditor(c), c.req.valid("param").id, {
      format,
      version,
    });
    if (as === "charx") {
      return c.body(new Uint8Array(await exported.charx()), 200, {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${fileName(exported.name, "charx")}"`,
      });
    }
    if (as === "png") {
      return c.body(new Uint8Array(await exported.png()), 200, {
        "content-type": "image/png",
        "content-disposition": `attachment; filename="${fileName(exported.name, "png")}"`,
      });
    }
    c.header("content-disposition", `attachment; filename="${fileName(exported.name, "json")}"`);
    return c.json(await exported.card(), 200);
  });

  return router;
}
