import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { personaEditor, requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";

/** The path of Meta's WhatsApp webhook: public, authenticated by X-Hub-Signature-256 instead of a key. */
export const WHATSAPP_WEBHOOK_PATH = "/v1/channels/whatsapp";

const tags = ["WhatsApp"];

const personaNumberSchema = z
  .object({
    phone_number_id: z.string(),
    display_phone_number: z.string(),
    persona_id: z.string(),
    created_at: z.string(),
  })
  .openapi("PersonaWhatsAppNumber");

const contactSchema = z
  .object({
    wa_id: z.string().openapi({ description: "WhatsApp's id of the number: its digits" }),
    profile_name: z.string().nullable(),
    linked_at: z.string().nullable(),
    last_message_at: z.string().nullable().openapi({
      description: "its last message: personas may write to it on their own for 24 hours after",
    }),
  })
  .openapi("WhatsAppContact");

const linkCodeSchema = z
  .object({
    code: z.string().openapi({ example: "7KQ2-9MXD" }),
    expires_at: z.string(),
    send_to: z.array(
      z.object({ persona_id: z.string(), persona_name: z.string(), display_phone_number: z.string() }),
    ),
  })
  .openapi("WhatsAppLinkCode");

const phoneNumberIdParamSchema = z.object({
  phoneNumberId: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: "phoneNumberId", in: "path" }, example: "106540352242922" }),
});

const listNumbersRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/whatsapp-numbers",
  tags,
  summary: "The WhatsApp numbers the persona answers on",
  request: { params: idParamSchema },
  responses: {
    200: jsonContent(z.object({ data: z.array(personaNumberSchema) }), "The persona's numbers, oldest first"),
    ...problemResponses(404),
  },
});

const bindNumberRoute = createRoute({
  method: "post",
  path: "/v1/personas/{id}/whatsapp-numbers",
  tags,
  summary: "Bind a WhatsApp Business number to the persona (its messages are then answered by it)",
  request: {
    params: idParamSchema,
    body: jsonBody(
      z.strictObject({
        phone_number_id: z
          .string()
          .trim()
          .regex(/^\d{5,20}$/, "must be Meta's phone number id (digits, from WhatsApp Manager → API setup)")
          .openapi({ example: "106540352242922" }),
        display_phone_number: z
          .string()
          .trim()
          .min(1, "required")
          .max(40)
          .openapi({ example: "+1 415 555 0100" }),
      }),
    ),
  },
  responses: {
    201: jsonContent(personaNumberSchema, "Bound"),
    200: jsonContent(personaNumberSchema, "Already bound to this persona"),
    ...problemResponses(404, 409, 422),
  },
});

const unbindNumberRoute = createRoute({
  method: "delete",
  path: "/v1/personas/{id}/whatsapp-numbers/{phoneNumberId}",
  tags,
  summary: "Unbind a WhatsApp number from the persona",
  request: { params: idParamSchema.extend(phoneNumberIdParamSchema.shape) },
  responses: { 204: { description: "Unbound" }, ...problemResponses(404) },
});

const createLinkCodeRoute = createRoute({
  method: "post",
  path: "/v1/whatsapp/link-codes",
  tags,
  summary: "A code to send from WhatsApp to a persona's number: it links that WhatsApp to the user",
  description:
    "Valid 15 minutes, once; a new code retires the user's earlier ones. The sender that sends it becomes " +
    "the user's, and their messages then reach their WhatsApp conversations with the tenant's personas.",
  request: { headers: userHeaderSchema },
  responses: { 201: jsonContent(linkCodeSchema, "A new code"), ...problemResponses(404) },
});

const listContactsRoute = createRoute({
  method: "get",
  path: "/v1/whatsapp/contacts",
  tags,
  summary: "The WhatsApp numbers linked to the user",
  request: { headers: userHeaderSchema },
  responses: {
    200: jsonContent(z.object({ data: z.array(contactSchema) }), "The linked numbers"),
    ...problemResponses(),
  },
});

const unlinkRoute = createRoute({
  method: "delete",
  path: "/v1/whatsapp/contacts/{waId}",
  tags,
  summary: "Unlink a WhatsApp number from the user (its messages no longer reach them)",
  request: {
    headers: userHeaderSchema,
    params: z.object({
      waId: z
        .string()
        .min(1)
        .max(40)
        .openapi({ param: { name: "waId", in: "path" }, example: "14155550111" }),
    }),
  },
  responses: { 204: { description: "Unlinked" }, ...problemResponses(404) },
});

const verifyWebhookRoute = createRoute({
  method: "get",
  path: WHATSAPP_WEBHOOK_PATH,
  tags,
  summary: "Meta's webhook verification (public): echoes hub.challenge when hub.verify_token matches",
  security: [],
  request: {
    query: z.object({
      "hub.mode": z.string().optional(),
      "hub.verify_token": z.string().optional(),
      "hub.challenge": z.string().optional(),
    }),
  },
  responses: {
    200: { description: "The challenge", content: { "text/plain": { schema: z.string() } } },
    ...problemResponses(404),
  },
});

const webhookRoute = createRoute({
  method: "post",
  path: WHATSAPP_WEBHOOK_PATH,
  tags,
  summary: "Meta's WhatsApp webhook (public; authenticated by X-Hub-Signature-256)",
  description:
    "Subscribe the app's webhook to the `messages` field. The signature is HMAC-SHA256 of the body as sent, " +
    "keyed by WHATSAPP_APP_SECRET. A message id already received is acknowledged and ignored.",
  security: [],
  request: {
    headers: z.object({
      "x-hub-signature-256": z
        .string()
        .openapi({ param: { name: "x-hub-signature-256", in: "header" }, example: "sha256=…" }),
    }),
    body: { required: true, content: { "application/json": { schema: z.object({}).passthrough() } } },
  },
  responses: {
    200: { description: "Received", content: { "text/plain": { schema: z.string() } } },
    ...problemResponses(404),
  },
});

export function whatsappRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const whatsapp = (c: { var: AppEnv["Variables"] }) => c.var.services.whatsapp;

  router.openapi(listNumbersRoute, async (c) =>
    c.json(await whatsapp(c).numbers.list(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );

  router.openapi(bindNumberRoute, async (c) => {
    const { number, created } = await whatsapp(c).numbers.bind(
      personaEditor(c),
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return created ? c.json(number, 201) : c.json(number, 200);
  });

  router.openapi(unbindNumberRoute, async (c) => {
    const { id, phoneNumberId } = c.req.valid("param");
    await whatsapp(c).numbers.unbind(personaEditor(c), id, phoneNumberId);
    return c.body(null, 204);
  });

  router.openapi(createLinkCodeRoute, async (c) =>
    c.json(await whatsapp(c).createLinkCode(await requireUser(c)), 201),
  );

  router.openapi(listContactsRoute, async (c) =>
    c.json(await whatsapp(c).links.listContacts(await requireUser(c)), 200),
  );

  router.openapi(unlinkRoute, async (c) => {
    await whatsapp(c).links.unlink(await requireUser(c), c.req.valid("param").waId);
    return c.body(null, 204);
  });

  // Both registered for the document only: the handshake reads its dotted parameters as Meta sends them,
  // and the webhook's body is read raw, since the signature covers its exact bytes.
  router.openAPIRegistry.registerPath(verifyWebhookRoute);
  router.get(WHATSAPP_WEBHOOK_PATH, (c) =>
    c.text(
      whatsapp(c).inbound.verify({
        mode: c.req.query("hub.mode"),
        verifyToken: c.req.query("hub.verify_token"),
        challenge: c.req.query("hub.challenge"),
      }),
      200,
    ),
  );
  router.openAPIRegistry.registerPath(webhookRoute);
  router.post(WHATSAPP_WEBHOOK_PATH, async (c) => {
    await whatsapp(c).inbound.receive(
      { body: new Uint8Array(await c.req.arrayBuffer()), signature: c.req.header("x-hub-signature-256") },
      c.var.logger,
    );
    return c.text("EVENT_RECEIVED", 200);
  });

  return router;
}
