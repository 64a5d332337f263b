import { z } from "zod";
import { booleanText, isHttpUrl } from "./setting-parsers.ts";

/** Where blobs' bytes go (files or an S3-compatible bucket) and each tenant's quota. */
export const blobSettings = {
  DRAMATIS_BLOB_STORE: {
    flag: "blob-store",
    schema: z.enum(["file", "s3"], {
      message: "expected file (under the data directory) or s3 (an S3-compatible bucket: DRAMATIS_S3_BUCKET)",
    }),
    fallback: "file",
  },
  DRAMATIS_BLOB_QUOTA_MB: {
    flag: "blob-quota-mb",
    schema: z
      .string()
      .regex(/^$|^\d+$/, "expected megabytes each tenant may store (1-100000000), or nothing for no limit")
      .transform((value) => (value === "" ? undefined : Number(value)))
      .refine(
        (value) => value === undefined || (value >= 1 && value <= 100_000_000),
        "expected megabytes each tenant may store (1-100000000), or nothing for no limit",
      ),
    fallback: "",
  },
  DRAMATIS_S3_BUCKET: {
    flag: "s3-bucket",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(value),
        "expected a bucket name: 3-63 lowercase letters, digits, dots and hyphens",
      ),
    fallback: "",
  },
  DRAMATIS_S3_ENDPOINT: {
    flag: "s3-endpoint",
    schema: z
      .string()
      .refine(
        (value) => value === "" || isHttpUrl(value),
        "expected the http(s) address of an S3-compatible service, such as http://127.0.0.1:9000 (MinIO), or nothing for AWS",
      ),
    fallback: "",
  },
  DRAMATIS_S3_REGION: {
    flag: "s3-region",
    schema: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/, "expected a region such as us-east-1 (auto for Cloudflare R2)"),
    fallback: "us-east-1",
  },
  DRAMATIS_S3_PREFIX: {
    flag: "s3-prefix",
    schema: z
      .string()
      .regex(
        /^$|^[\x21-\x7e]{1,200}$/,
        "expected a key prefix of up to 200 printable characters without spaces, such as dramatis/",
      )
      .refine(
        (value) => !value.startsWith("/") && !value.includes("//"),
        "expected a key prefix that neither starts with / nor contains //, such as dramatis/",
      )
      // A folder: `dramatis` would otherwise make keys like `dramatissha256/…`.
      .transform((value) => (value === "" || value.endsWith("/") ? value : `${value}/`)),
    fallback: "",
  },
  DRAMATIS_S3_FORCE_PATH_STYLE: {
    flag: "s3-force-path-style",
    schema: booleanText(
      "address buckets as <endpoint>/<bucket>, as MinIO and most self-hosted services need",
    ),
    fallback: "false",
  },
  DRAMATIS_S3_ACCESS_KEY_ID: {
    flag: "s3-access-key-id",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected an access key id without spaces"),
    fallback: "",
  },
  DRAMATIS_S3_SECRET_ACCESS_KEY: {
    flag: "s3-secret-access-key",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected a secret access key without spaces"),
    fallback: "",
  },
} as const;
