import type { SettingValues } from "./settings.ts";

/**
 * Adds to `problems` what no single setting shows: credentials that come in sets, half given; a metrics port
 * that clashes with the API's; an S3 blob store without its bucket.
 *
 * @example checkSettingCombinations(values, problems)
 */
export function checkSettingCombinations(values: SettingValues, problems: string[]): void {
  const whatsappSecrets = [
    values.WHATSAPP_VERIFY_TOKEN,
    values.WHATSAPP_APP_SECRET,
    values.WHATSAPP_ACCESS_TOKEN,
  ];
  if (whatsappSecrets.some(Boolean) && !whatsappSecrets.every(Boolean)) {
    problems.push(
      "WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET and WHATSAPP_ACCESS_TOKEN: set all three to enable WhatsApp, or none",
    );
  }
  if (Boolean(values.TWILIO_ACCOUNT_SID) !== Boolean(values.TWILIO_AUTH_TOKEN)) {
    problems.push("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both to enable SMS, or neither");
  }
  if (
    values.DRAMATIS_METRICS_PORT !== undefined &&
    values.DRAMATIS_METRICS_PORT === values.PORT &&
    values.PORT !== 0
  ) {
    problems.push("DRAMATIS_METRICS_PORT: must differ from PORT (the API serves /metrics on PORT already)");
  }
  if (values.DRAMATIS_BLOB_STORE === "s3" && !values.DRAMATIS_S3_BUCKET) {
    problems.push(
      "DRAMATIS_S3_BUCKET: required when DRAMATIS_BLOB_STORE is s3 (the bucket that holds the blobs)",
    );
  }
  if (Boolean(values.DRAMATIS_S3_ACCESS_KEY_ID) !== Boolean(values.DRAMATIS_S3_SECRET_ACCESS_KEY)) {
    problems.push(
      "DRAMATIS_S3_ACCESS_KEY_ID and DRAMATIS_S3_SECRET_ACCESS_KEY: set both, or neither to use AWS_ACCESS_KEY_ID and the AWS SDK's other sources",
    );
  }
}
