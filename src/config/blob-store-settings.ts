import type { SettingValues } from "./settings.ts";

/** Files under `<dataDir>/blobs` (the default), or objects in an S3-compatible bucket. */
export type BlobStoreSettings =
  | { readonly kind: "file"; readonly quotaBytes: number | undefined }
  | { readonly kind: "s3"; readonly quotaBytes: number | undefined; readonly s3: S3Settings };

/** An S3-compatible bucket (DRAMATIS_S3_*). */
export interface S3Settings {
  readonly bucket: string;
  /** MinIO, R2, ...; undefined: AWS */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** "" or ending in `/` */
  readonly prefix: string;
  readonly forcePathStyle: boolean;
  /** both, or neither: then the AWS SDK's default chain (AWS_ACCESS_KEY_ID, profiles, instance roles) */
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

/** The blob store DRAMATIS_BLOB_STORE, DRAMATIS_BLOB_QUOTA_MB and DRAMATIS_S3_* describe. */
export function readBlobStoreSettings(values: SettingValues): BlobStoreSettings {
  const quotaBytes =
    values.DRAMATIS_BLOB_QUOTA_MB === undefined ? undefined : values.DRAMATIS_BLOB_QUOTA_MB * 1024 * 1024;
  if (values.DRAMATIS_BLOB_STORE === "file") return Object.freeze({ kind: "file", quotaBytes });
  return Object.freeze({
    kind: "s3",
    quotaBytes,
    s3: Object.freeze({
      bucket: values.DRAMATIS_S3_BUCKET,
      endpoint: values.DRAMATIS_S3_ENDPOINT.replace(/\/+$/, "") || undefined,
      region: values.DRAMATIS_S3_REGION,
      prefix: values.DRAMATIS_S3_PREFIX,
      forcePathStyle: values.DRAMATIS_S3_FORCE_PATH_STYLE,
      accessKeyId: values.DRAMATIS_S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: values.DRAMATIS_S3_SECRET_ACCESS_KEY || undefined,
    }),
  });
}
