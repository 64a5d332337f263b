import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { personaEditor, requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  problemResponses,
  problemSchema,
  userHeaderSchema,
} from "../openapi-common.ts";
import { PROBLEM_CONTENT_TYPE } from "../problem.ts";

/** The path of Twilio's inbound-SMS webhook: public, authenticated by X-Twilio-Signature instead of a key. */
export const TWILIO_SMS_WEBHOOK_PATH = "/v1/channels/twilio/sms";

const tags = ["SMS"];

const phoneNumberField = z
  .string()
  .min(1, "required")
  .max(40)
  .openapi({ description: "E.164; United States and Canada (+1) only", example: "+14155550100" });

const phoneNumberParamSchema = z.object({
  phoneNumber: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: "phoneNumber", in: "path" }, example: "+14155550100" }),
});

const personaPhoneNumberSchema = z
  .object({ phone_number: z.string(), persona_id: z.string(), created_at: z.string() })
  .openapi("PersonaPhoneNumber");

const senderPhoneNumberSchema = z
  .object({
    phone_number: z.string(),
    status: z.enum(["pending", "verified"]).openapi({
      description: "pending: a code was texted and awaits confirmation; verified: its texts reach the user",
    }),
    opted_out: z
      .boolean()
      .openapi({ description: "the number texted STOP: nothing is sent to it until START" }),
    verified_at: z.string().nullable(),
    code_expires_at: z.string().nullable(),
  })
  .openapi("UserPhoneNumber");

const listPersonaNumbersRoute = createRoute({
  method: "get",
  path: "/v1/personas/{id}/phone-numbers",
  tags,
  summary: "The phone numbers the persona texts from and is texted at",
  request: { params: idParamSchema },
  responses: {
    200: jsonContent(
      z.object({
        data: z.array(personaPhoneNumberSchema),
        sms_enabled: z.boolean().openapi({
          description: "the persona's features.sms as it answers now; texts are only answered when true",
        }),
      }),
      "The persona's numbers, oldest (the default sender) first",
    ),
    ...problemResponses(404),
  },
});

const bindPersonaNumberRoute = createRoute({
  method: "post",
  path: "/v1/personas/{id}/phone-numbers",
  tags,
  summary:
    "Bind a Twilio number to the persona (point the number's messaging webhook at /v1/channels/twilio/sms)",
  request: {
    params: idParamSchema,
    body: jsonBody(z.strictObject({ phone_number: phoneNumberField })),
  },
  responses: {
    201: jsonContent(personaPhoneNumberSchema, "Bound"),
    200: jsonContent(personaPhoneNumberSchema, "Already bound to this persona"),
    ...problemResponses(404, 409, 422),
  },
});

const unbindPersonaNumberRoute = createRoute({
  method: "delete",
  path: "/v1/personas/{id}/phone-numbers/{phoneNumber}",
  tags,
  summary: "Unbind a number from the persona",
  request: { params: idParamSchema.extend(phoneNumberParamSchema.shape) },
  responses: { 204: { description: "Unbound" }, ...problemResponses(404) },
});

const listUserNumbersRoute = createRoute({
  method: "get",
  path: "/v1/phone-numbers",
  tags,
  summary: "The user's phone numbers: verified ones text the user's personas, pending ones await their code",
  request: { headers: userHeaderSchema },
  responses: {
    200: jsonContent(z.object({ data: z.array(senderPhoneNumberSchema) }), "The user's numbers"),
    ...problemResponses(),
  },
});

const startVerificationRoute = createRoute({
  method: "post",
  path: "/v1/phone-numbers",
  tags,
  summary: "Add a phone number: a six-digit code is texted to it (valid 10 minutes), to confirm with /verify",
  request: {
    headers: userHeaderSchema,
    body: jsonBody(
      z.strictObject({
        phone_number: phoneNumberField,
        persona_id: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .openapi({ description: "text the code from this persona's number (default: the tenant's first)" }),
      }),
    ),
  },
  responses: {
    ...problemResponses(404, 409, 422),
    202: jsonContent(senderPhoneNumberSchema, "A code was texted to the number"),
    200: jsonContent(
      senderPhoneNumberSchema,
      "The number is already verified to this user; nothing was sent",
    ),
    429: {
      description:
        "A code was sent to this number moments ago, the user had their codes for the hour " +
        "(DRAMATIS_VERIFICATION_CODES_PER_HOUR), or the request rate limit was reached; see Retry-After",
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
    },
    502: {
      description: "Twilio could not send the code",
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
    },
  },
});

const confirmVerificationRoute = createRoute({
  method: "post",
  path: "/v1/phone-numbers/verify",
  tags,
  summary: "Confirm the texted code: the number is then the user's, and its texts reach their conversations",
  request: {
    headers: userHeaderSchema,
    body: jsonBody(
      z.strictObject({
        phone_number: phoneNumberField,
        code: z
          .string()
          .trim()
          .regex(/^\d{6}$/, "must be the six digits we texted"),
      }),
    ),
  },
  responses: {
    200: jsonContent(senderPhoneNumberSchema, "Verified"),
    ...problemResponses(404, 422),
  },
});

const removeUserNumberRoute = createRoute({
  method: "delete",
  path: "/v1/phone-numbers/{phoneNumber}",
  tags,
  summary: "Remove a phone number from the user (its texts no longer reach them)",
  request: { headers: userHeaderSchema, params: phoneNumberParamSchema },
  responses: { 204: { description: "Removed" }, ...problemResponses(404) },
});

const twilioWebhookRoute = createRoute({
  method: "post",
  path: TWILIO_SMS_WEBHOOK_PATH,
  tags,
  summary: "Twilio's inbound-SMS webhook (public; authenticated by X-Twilio-Signature)",
  description:
    "Configure it as the messaging webhook (HTTP POST) of every number bound to a persona. The signature " +
    "is checked against DRAMATIS_PUBLIC_URL + this path when set, else the URL as received. A MessageSid " +
    "already received is acknowledged and ignored.",
  security: [],
  request: {
    headers: z.object({
      "x-twilio-signature": z.string().openapi({ param: { name: "x-twilio-signature", in: "header" } }),
    }),
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: z.object({
            MessageSid: z.string(),
            From: z.string(),
            To: z.string(),
            Body: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "Received: empty TwiML (answers are sent through the REST API)",
      content: { "text/xml": { schema: z.string() } },
    },
    ...problemResponses(404),
  },
});

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export function smsRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const sms = (c: { var: AppEnv["Variables"] }) => c.var.services.sms;

  router.openapi(listPersonaNumbersRoute, async (c) =>
    c.json(await sms(c).personaNumbers.list(c.var.principal.tenantId, c.req.valid("param").id), 200),
  );

  router.openapi(bindPersonaNumberRoute, async (c) => {
    const { phoneNumber, created } = await sms(c).personaNumbers.bind(
      personaEditor(c),
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return created ? c.json(phoneNumber, 201) : c.json(phoneNumber, 200);
  });

  router.openapi(unbindPersonaNumberRoute, async (c) => {
    const { id, phoneNumber } = c.req.valid("param");
    await sms(c).personaNumbers.unbind(personaEditor(c), id, phoneNumber);
    return c.body(null, 204);
  });

  router.openapi(listUserNumbersRoute, async (c) =>
    c.json({ data: await sms(c).senders.list(await requireUser(c)) }, 200),
  );

  router.openapi(startVerificationRoute, async (c) => {
    const user = await requireUser(c);
    // Texts cost the operator money: a user gets a bounded number of codes an hour, across numbers.
    await c.var.services.rateLimits.consumeVerificationCode(user.id);
    const { phoneNumber, codeSent } = await sms(c).senders.start(user, c.req.valid("json"));
    return codeSent ? c.json(phoneNumber, 202) : c.json(phoneNumber, 200);
  });

  router.openapi(confirmVerificationRoute, async (c) =>
    c.json(await sms(c).senders.confirm(await requireUser(c), c.req.valid("json")), 200),
  );

  router.openapi(removeUserNumberRoute, async (c) => {
    await sms(c).senders.remove(await requireUser(c), c.req.valid("param").phoneNumber);
    return c.body(null, 204);
  });

  // Registered for the document only: the form is read raw, because the signature covers every
  // parameter exactly as sent and must be checked before anything else looks at the body.
  router.openAPIRegistry.registerPath(twilioWebhookRoute);
  router.post(TWILIO_SMS_WEBHOOK_PATH, async (c) => {
    await sms(c).inbound.receive(
      { url: c.req.url, signature: c.req.header("x-twilio-signature"), body: await c.req.text() },
      c.var.logger,
    );
    return c.body(EMPTY_TWIML, 200, { "content-type": "text/xml; charset=utf-8" });
  });

  return router;
}
