import { describe, expect, it } from "vitest";
import { presignGetUrl } from "./s3-presign.ts";

describe("presignGetUrl", () => {
  it("produces AWS's documented example signature", () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html ("An example")
    const url = presignGetUrl({
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      region: "us-east-1",
      credentials: {
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      },
      now: new Date("2013-05-24T00:00:00Z"),
      expiresInSeconds: 86400,
    });
    expect(url).toBe(
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
  });

  it("signs a port, an encoded path, a session token and response overrides as the AWS SDK does", () => {
    // The expected signature was computed once by @smithy/signature-v4 (the AWS SDK's signer) for the same
    // request: the same canonical form, with the parameters it hoists into the query.
    const url = new URL(
      presignGetUrl({
        url: new URL("http://127.0.0.1:9000/bucket/pre%20fix/sha256/ab/abcdef"),
        region: "auto",
        credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET/x+y", sessionToken: "tok en/=" },
        now: new Date("2026-03-01T12:34:56Z"),
        expiresInSeconds: 300,
        query: {
          "response-content-disposition": `attachment; filename="a b.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt`,
          "response-content-type": "text/plain",
        },
      }),
    );
    expect(url.pathname).toBe("/bucket/pre%20fix/sha256/ab/abcdef");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("tok en/=");
    expect(url.searchParams.get("X-Amz-Signature")).toBe(
      "e26332fe762b8a8bfba01e1c50dc6abedd4e210caa12d9cc0cc2c9000a9ab80c",
    );
  });

  it("refuses a lifetime SigV4 does not allow (over 7 days, or none)", () => {
    const options = {
      url: new URL("https://bucket.s3.us-east-1.amazonaws.com/key"),
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      now: new Date(),
    };
    expect(() => presignGetUrl({ ...options, expiresInSeconds: 604_801 })).toThrow(RangeError);
    expect(() => presignGetUrl({ ...options, expiresInSeconds: 0 })).toThrow(RangeError);
    expect(() => presignGetUrl({ ...options, expiresInSeconds: 604_800 })).not.toThrow();
  });
});
