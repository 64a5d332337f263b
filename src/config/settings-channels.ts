import { z } from "zod";
import { isVapidSubject } from "../channels/push/vapid.ts";
import { booleanText, isHttpUrl } from "./setting-parsers.ts";

/** Delivery channels: SMS (Twilio), web push and WhatsApp. */
export const channelSettings = {
  TWILIO_ACCOUNT_SID: {
    flag: "twilio-account-sid",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^AC[0-9a-f]{32}$/i.test(value),
        "expected AC and 32 hexadecimal characters (the Account SID in Twilio's console)",
      ),
    fallback: "",
  },
  TWILIO_AUTH_TOKEN: {
    flag: "twilio-auth-token",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected a token without spaces"),
    fallback: "",
  },
  TWILIO_BASE_URL: {
    flag: "twilio-base-url",
    schema: z.string().refine(isHttpUrl, "expected an http(s) URL such as https://api.twilio.com"),
    fallback: "https://api.twilio.com",
  },
  DRAMATIS_VAPID_SUBJECT: {
    flag: "vapid-subject",
    schema: z
      .string()
      .refine(
        (value) => value === "" || isVapidSubject(value),
        "expected a mailto: address or an https: URL where push services can reach the operator, such as " +
          "mailto:admin@example.com (not on localhost: Apple's push service refuses it)",
      ),
    fallback: "",
  },
  DRAMATIS_PUSH_ALLOW_HTTP: {
    flag: "push-allow-http",
    schema: booleanText("accept http:// push endpoints on loopback hosts"),
    fallback: "false",
  },
  WHATSAPP_VERIFY_TOKEN: {
    flag: "whatsapp-verify-token",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected a token without spaces"),
    fallback: "",
  },
  WHATSAPP_APP_SECRET: {
    flag: "whatsapp-app-secret",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected the app secret without spaces"),
    fallback: "",
  },
  WHATSAPP_ACCESS_TOKEN: {
    flag: "whatsapp-access-token",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected an access token without spaces"),
    fallback: "",
  },
  WHATSAPP_BASE_URL: {
    flag: "whatsapp-base-url",
    schema: z.string().refine(isHttpUrl, "expected an http(s) URL such as https://graph.facebook.com"),
    fallback: "https://graph.facebook.com",
  },
  WHATSAPP_API_VERSION: {
    flag: "whatsapp-api-version",
    schema: z.string().regex(/^v\d+\.\d+$/, "expected a Graph API version such as v21.0"),
    fallback: "v21.0",
  },
} as const;
