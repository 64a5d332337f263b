import { z } from "zod";
import { parseOutboundAllowList } from "../lib/outbound-allow-list.ts";

/** Keys and tokens, which proxies to trust, and which private addresses outbound requests may reach. */
export const securitySettings = {
  DRAMATIS_ADMIN_KEY: {
    flag: "admin-key",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[\x21-\x7e]{24,200}$/.test(value),
        "expected 24-200 printable characters without spaces",
      ),
    fallback: "",
  },
  DRAMATIS_SETUP_TOKEN: {
    flag: "setup-token",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[\x21-\x7e]{12,200}$/.test(value),
        "expected 12-200 printable characters without spaces",
      ),
    fallback: "",
  },
  DRAMATIS_SECRET_KEY: {
    flag: "secret-key",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || /^[0-9a-f]{64}$/i.test(value) || Buffer.from(value, "base64").length === 32,
        "expected 64 hex characters or base64 of 32 random bytes (openssl rand -hex 32)",
      ),
    fallback: "",
  },
  DRAMATIS_SECRET_KEY_PREVIOUS: {
    flag: "secret-key-previous",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || /^[0-9a-f]{64}$/i.test(value) || Buffer.from(value, "base64").length === 32,
        "expected the previous DRAMATIS_SECRET_KEY: 64 hex characters or base64 of 32 bytes",
      ),
    fallback: "",
  },
  DRAMATIS_METRICS_TOKEN: {
    flag: "metrics-token",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[\x21-\x7e]{16,200}$/.test(value),
        "expected 16-200 printable characters without spaces (openssl rand -hex 24)",
      ),
    fallback: "",
  },
  DRAMATIS_TRUST_PROXY: {
    flag: "trust-proxy",
    schema: z
      .string()
      .regex(
        /^(true|false|\d{1,2})$/,
        "expected false, true or the number of proxies in front of the server (0-99)",
      )
      .transform((value) => (value === "true" ? 1 : value === "false" ? 0 : Number(value))),
    fallback: "false",
  },
  DRAMATIS_OUTBOUND_ALLOW: {
    flag: "outbound-allow",
    schema: z.string().refine((value) => {
      try {
        parseOutboundAllowList(value);
        return true;
      } catch {
        return false;
      }
    }, "expected comma-separated hosts, IP addresses or CIDR ranges, each with an optional :port, such as " + "127.0.0.1:11434,10.0.0.0/8"),
    fallback: "",
  },
} as const;
