import { integerText } from "./setting-parsers.ts";

/** Request body sizes, request rates and sign-in throttles. */
export const limitSettings = {
  DRAMATIS_BODY_LIMIT: {
    flag: "body-limit",
    schema: integerText(1024, 100 * 1024 * 1024, "a byte count between 1024 and 104857600"),
    fallback: String(1024 * 1024),
  },
  DRAMATIS_IMPORT_LIMIT: {
    flag: "import-limit",
    schema: integerText(1024, 100 * 1024 * 1024, "a byte count between 1024 and 104857600"),
    fallback: String(10 * 1024 * 1024),
  },
  DRAMATIS_RATE_LIMIT_PER_MINUTE: {
    flag: "rate-limit-per-minute",
    schema: integerText(1, 1_000_000, "requests per minute between 1 and 1000000"),
    fallback: "600",
  },
  DRAMATIS_RATE_LIMIT_ANONYMOUS_PER_MINUTE: {
    flag: "rate-limit-anonymous-per-minute",
    schema: integerText(1, 1_000_000, "requests per minute between 1 and 1000000"),
    fallback: "120",
  },
  DRAMATIS_SIGN_IN_FAILURES_PER_EMAIL: {
    flag: "sign-in-failures-per-email",
    schema: integerText(1, 10_000, "a number of failed sign-ins between 1 and 10000"),
    fallback: "10",
  },
  DRAMATIS_SIGN_IN_FAILURES_PER_ADDRESS: {
    flag: "sign-in-failures-per-address",
    schema: integerText(1, 100_000, "a number of failed sign-ins between 1 and 100000"),
    fallback: "50",
  },
  DRAMATIS_SIGN_IN_WINDOW_MINUTES: {
    flag: "sign-in-window-minutes",
    schema: integerText(1, 1440, "minutes between 1 and 1440"),
    fallback: "15",
  },
  DRAMATIS_VERIFICATION_CODES_PER_HOUR: {
    flag: "verification-codes-per-hour",
    schema: integerText(1, 10_000, "a number of codes between 1 and 10000"),
    fallback: "10",
  },
} as const;
