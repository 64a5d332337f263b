import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { MAX_DEVICE_NAME_CHARACTERS } from "../../channels/push/push-devices.ts";
import { MAX_ENDPOINT_LENGTH } from "../../channels/push/push-subscription-input.ts";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  problemResponses,
  problemSchema,
  userHeaderSchema,
} from "../openapi-common.ts";
import { PROBLEM_CONTENT_TYPE } from "../problem.ts";

const tags = ["Web push"];

const deviceNameField = z
  .string()
  .trim()
  .min(1, `must be 1-${MAX_DEVICE_NAME_CHARACTERS} characters`)
  .max(MAX_DEVICE_NAME_CHARACTERS, `must be 1-${MAX_DEVICE_NAME_CHARACTERS} characters`)
  .openapi({ example: "Firefox on Android" });

const deviceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    endpoint_origin: z.string().openapi({
      description: "The push service the device is reached through",
      example: "https://fcm.googleapis.com",
    }),
    expiration_time: z
      .string()
      .nullable()
      .openapi({ description: "When the browser said the subscription ends" }),
    created_at: z.string(),
    updated_at: z.string(),
    last_success_at: z.string().nullable(),
    last_failure: z
      .object({
        at: z.string(),
        status: z
          .number()
          .int()
          .nullable()
          .openapi({ description: "The push service's HTTP status; null: unreachable" }),
        detail: z.string(),
      })
      .nullable(),
  })
  .openapi("PushDevice");

const subscriptionBodySchema = z
  .strictObject({
    endpoint: z
      .string()
      .min(1, "required")
      .max(MAX_ENDPOINT_LENGTH, `must be at most ${MAX_ENDPOINT_LENGTH} characters`)
      .openapi({
        description:
          "PushSubscription.endpoint: an https URL on a public host. Loopback, private, link-local and " +
          "metadata addresses (in any notation, or a name resolving to one) are refused with 422 " +
          "`refused by the outbound policy` unless the operator allow-lists them (DRAMATIS_OUTBOUND_ALLOW)",
      }),
    keys: z.object({
      p256dh: z.string().min(1, "required").max(200).openapi({ description: "base64url P-256 public key" }),
      auth: z.string().min(1, "required").max(100).openapi({ description: "base64url 16-byte auth secret" }),
    }),
    expirationTime: z
      .number()
      .nullable()
      .optional()
      .openapi({ description: "PushSubscription.expirationTime: milliseconds since the epoch, or null" }),
    name: deviceNameField
      .optional()
      .openapi({ description: 'Default: from the User-Agent, else "This device"' }),
  })
  .openapi("PushSubscriptionRegistration", {
    description: "PushSubscription.toJSON() as the browser gives it, plus an optional device name",
  });

const headers = userHeaderSchema;

const vapidKeyRoute = createRoute({
  method: "get",
  path: "/v1/push/vapid-public-key",
  tags,
  summary: "The server's VAPID public key: pass it to PushManager.subscribe as applicationServerKey",
  responses: {
    200: jsonContent(
      z.object({
        public_key: z
          .string()
          .openapi({ description: "base64url of the uncompressed P-256 point (65 bytes)" }),
      }),
      "The key",
    ),
    ...problemResponses(),
  },
});

const registerRoute = createRoute({
  method: "post",
  path: "/v1/push/subscriptions",
  tags,
  summary: "Register this browser for notifications (the same endpoint again updates it)",
  request: { headers, body: jsonBody(subscriptionBodySchema) },
  responses: {
    201: jsonContent(deviceSchema, "Registered"),
    200: jsonContent(deviceSchema, "Already registered to this user: keys, expiry and name updated"),
    ...problemResponses(409, 422),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/push/subscriptions",
  tags,
  summary: "The user's devices that receive notifications, oldest first",
  request: { headers },
  responses: {
    200: jsonContent(z.object({ data: z.array(deviceSchema) }), "The devices"),
    ...problemResponses(),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/push/subscriptions/{id}",
  tags,
  summary: "One of the user's devices",
  request: { headers, params: idParamSchema },
  responses: { 200: jsonContent(deviceSchema, "The device"), ...problemResponses(404) },
});

const renameRoute = createRoute({
  method: "patch",
  path: "/v1/push/subscriptions/{id}",
  tags,
  summary: "Rename a device",
  request: { headers, params: idParamSchema, body: jsonBody(z.strictObject({ name: deviceNameField })) },
  responses: { 200: jsonContent(deviceSchema, "Renamed"), ...problemResponses(404, 422) },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/v1/push/subscriptions/{id}",
  tags,
  summary: "Stop sending notifications to a device",
  request: { headers, params: idParamSchema },
  responses: { 204: { description: "Removed" }, ...problemResponses(404) },
});

const testRoute = createRoute({
  method: "post",
  path: "/v1/push/subscriptions/{id}/test",
  tags,
  summary: "Send a test notification to a device and say what happened",
  request: { headers, params: idParamSchema },
  responses: {
    200: jsonContent(
      z
        .object({
          outcome: z.enum(["delivered", "removed"]).openapi({
            description:
              "delivered: the push service accepted it; removed: the push service no longer knows the " +
              "subscription (404/410), so the device was removed",
          }),
          push_service_status: z.number().int(),
          detail: z.string().optional(),
          device: deviceSchema,
        })
        .openapi("PushTestResult"),
      "What the push service answered",
    ),
    502: {
      description: "The push service failed (after retries for 429 and 5xx); the device records the failure",
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
    },
    ...problemResponses(404),
  },
});

export function pushRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const push = (c: { var: AppEnv["Variables"] }) => c.var.services.push;

  router.openapi(vapidKeyRoute, async (c) => c.json({ public_key: await push(c).vapidPublicKey() }, 200));

  router.openapi(registerRoute, async (c) => {
    const { device, created } = await push(c).devices.register(
      await requireUser(c),
      c.req.valid("json"),
      c.req.header("user-agent"),
    );
    return created ? c.json(device, 201) : c.json(device, 200);
  });

  router.openapi(listRoute, async (c) =>
    c.json({ data: await push(c).devices.list(await requireUser(c)) }, 200),
  );

  router.openapi(getRoute, async (c) =>
    c.json(await push(c).devices.get(await requireUser(c), c.req.valid("param").id), 200),
  );

  router.openapi(renameRoute, async (c) =>
    c.json(
      await push(c).devices.rename(await requireUser(c), c.req.valid("param").id, c.req.valid("json").name),
      200,
    ),
  );

  router.openapi(removeRoute, async (c) => {
    await push(c).devices.remove(await requireUser(c), c.req.valid("param").id);
    return c.body(null, 204);
  });

  router.openapi(testRoute, async (c) =>
    c.json(await push(c).devices.test(await requireUser(c), c.req.valid("param").id), 200),
  );

  return router;
}
