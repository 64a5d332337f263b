import { createHash, createHmac } from "node:crypto";

/** The longest a SigV4 presigned URL may work: 7 days. */
export const MAXIMUM_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

export interface PresignGetOptions {
  /** the object's URL (scheme, host with any port, path-style or virtual-hosted path), without a query */
  url: URL;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
  /** the signing time: real time, since S3 compares it with its own clock */
  now: Date;
  expiresInSeconds: number;
  /** further query parameters to sign, such as `response-content-disposition` */
  query?: Record<string, string>;
}

/**
 * A presigned S3 GET URL: AWS Signature Version 4 in the query string, signing only the `host` header and
 * an unsigned payload (what @aws-sdk/s3-request-presigner produces, without its dependency tree).
 * Spec: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 *
 * @example presignGetUrl({ url: new URL("https://bucket.s3.us-east-1.amazonaws.com/key"), region: "us-east-1", credentials, now: new Date(), expiresInSeconds: 300 })
 */
export function presignGetUrl(options: PresignGetOptions): string {
  const { url, region, credentials, now, expiresInSeconds } = options;
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 1 ||
    expiresInSeconds > MAXIMUM_PRESIGN_SECONDS
  ) {
    throw new RangeError(`expiresInSeconds must be a whole number from 1 to ${MAXIMUM_PRESIGN_SECONDS}`);
  }
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
  const parameters: Record<string, string> = {
    ...options.query,
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${credentials.accessKeyId}/${scope}`,
    "X-Amz-Date": amzDate,
    "X-Amz-Expires": String(expiresInSeconds),
    "X-Amz-SignedHeaders": "host",
    ...(credentials.sessionToken ? { "X-Amz-Security-Token": credentials.sessionToken } : {}),
  };
  const query = Object.entries(parameters)
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  // S3 signs the path as sent, each segment encoded once (no double encoding, unlike other services).
  const path = url.pathname
    .split("/")
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .join("/");
  const canonicalRequest = ["GET", path, query, `host:${url.host}`, "", "host", "UNSIGNED-PAYLOAD"].join(
    "\n",
  );
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of [region, "s3", "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return `${url.protocol}//${url.host}${path}?${query}&X-Amz-Signature=${signature}`;
}

/** RFC 3986 percent-encoding: everything but unreserved characters (encodeURIComponent leaves !'()*). */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
