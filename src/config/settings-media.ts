import { z } from "zod";
import { integerText, parseMediaProviders } from "./setting-parsers.ts";

/** Pictures and videos: the services, the default models and the daily limit. */
export const mediaSettings = {
  DRAMATIS_MEDIA_PROVIDERS: {
    flag: "media-providers",
    schema: z.string().transform((text, context) => parseMediaProviders(text, context)),
    fallback: "[]",
  },
  DRAMATIS_IMAGE_MODEL: {
    flag: "image-model",
    schema: z
      .string()
      .refine((value) => value === "" || /^[a-z0-9][a-z0-9_-]*\/\S+$/.test(value), "expected provider/model"),
    fallback: "",
  },
  DRAMATIS_MEDIA_DAILY_LIMIT: {
    flag: "media-daily-limit",
    schema: integerText(0, 1_000_000, "a count between 0 and 1000000"),
    fallback: "200",
  },
  DRAMATIS_VIDEO_MODEL: {
    flag: "video-model",
    schema: z
      .string()
      .refine((value) => value === "" || /^[a-z0-9][a-z0-9_-]*\/\S+$/.test(value), "expected provider/model"),
    fallback: "",
  },
} as const;
