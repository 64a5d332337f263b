import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, configuredSecrets, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("uses defaults: port 8787, SQLite in ./data", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8787);
    expect(config.database).toEqual({ kind: "sqlite", file: path.resolve("data", "dramatis.sqlite") });
    expect(config.adminKey).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("selects PostgreSQL from a postgres:// DATABASE_URL and lets flags override the environment", () => {
    const config = loadConfig(
      { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test", PORT: "1000" },
      { port: "2000", "data-dir": "/tmp/x" },
    );
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://postgres@127.0.0.1:5432/test" });
    expect(config.port).toBe(2000);
    expect(config.dataDir).toBe("/tmp/x");
  });

  it("runs on real time unless a simulated clock start or speed is set, and rejects bad ones", () => {
    expect(loadConfig({}).simulatedClock).toBeUndefined();
    expect(
      loadConfig({ DRAMATIS_CLOCK_START: "2026-12-03T07:55:00+01:00", DRAMATIS_CLOCK_SPEED: "600" })
        .simulatedClock,
    ).toEqual({ start: new Date("2026-12-03T06:55:00Z"), rate: 600, anchor: undefined });
    expect(
      loadConfig({ DRAMATIS_CLOCK_SPEED: "60", DRAMATIS_CLOCK_ANCHOR: "2026-12-02T21:00:00Z" }).simulatedClock
        ?.anchor,
    ).toEqual(new Date("2026-12-02T21:00:00Z"));
    expect(loadConfig({ DRAMATIS_CLOCK_SPEED: "2.5" }).simulatedClock?.rate).toBe(2.5);
    const problems = (() => {
      try {
        loadConfig({ DRAMATIS_CLOCK_START: "tomorrow", DRAMATIS_CLOCK_SPEED: "0" });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems).toEqual([
      expect.stringMatching(/^DRAMATIS_CLOCK_START: expected an ISO 8601 date and time/),
      expect.stringMatching(/^DRAMATIS_CLOCK_SPEED: expected a number from 1 to 100000/),
    ]);
  });

  it("reads media providers (configured, and implied by OPENAI_API_KEY and REPLICATE_API_TOKEN) and default models", () => {
    expect(loadConfig({}).media).toEqual({
      providers: [],
      imageModel: undefined,
      videoModel: undefined,
      dailyLimit: 200,
    });
    const config = loadConfig({
      OPENAI_API_KEY: "sk-test",
      REPLICATE_API_TOKEN: "r8_test",
      FORGE_KEY: "user:pass",
      DRAMATIS_MEDIA_PROVIDERS: JSON.stringify([
        { name: "forge", kind: "automatic1111", base_url: "http://127.0.0.1:7860", api_key_env: "FORGE_KEY" },
      ]),
      DRAMATIS_IMAGE_MODEL: "forge/sdxl",
      DRAMATIS_VIDEO_MODEL: "replicate/kwaivgi/kling-v1.6-standard",
    });
    expect(
      config.media.providers.map((provider) => [provider.name, provider.kind, provider.api_key]),
    ).toEqual([
      ["openai", "openai-compatible", "sk-test"],
      ["replicate", "replicate", "r8_test"],
      ["forge", "automatic1111", "user:pass"],
    ]);
    expect(config.media).toMatchObject({
      imageModel: "forge/sdxl",
      videoModel: "replicate/kwaivgi/kling-v1.6-standard",
    });
    expect(() => loadConfig({ DRAMATIS_MEDIA_PROVIDERS: "[{" })).toThrow(/JSON array of media providers/);
    expect(() =>
      loadConfig({ DRAMATIS_MEDIA_PROVIDERS: JSON.stringify([{ name: "offline", kind: "comfyui" }]) }),
    ).toThrow(/media providers\.0\.name: is reserved/);
    expect(() =>
      loadConfig({
        DRAMATIS_MEDIA_PROVIDERS: JSON.stringify([{ name: "x", kind: "replicate", api_key_env: "NOPE" }]),
      }),
    ).toThrow(/media provider x: NOPE/);
    expect(() => loadConfig({ DRAMATIS_IMAGE_MODEL: "sdxl" })).toThrow(/provider\/model/);
  });

  it("reads rate limits and how many proxies to trust, with defaults", () => {
    const defaults = loadConfig({});
    expect(defaults.rateLimits).toEqual({
      requestsPerMinute: 600,
      anonymousPerMinute: 120,
      signInFailuresPerEmail: 10,
      signInFailuresPerAddress: 50,
      signInWindowSeconds: 900,
      verificationCodesPerHour: 10,
    });
    expect(defaults.trustProxyHops).toBe(0);
    const set = loadConfig({
      DRAMATIS_RATE_LIMIT_PER_MINUTE: "60",
      DRAMATIS_SIGN_IN_WINDOW_MINUTES: "5",
      DRAMATIS_TRUST_PROXY: "true",
    });
    expect(set.rateLimits.requestsPerMinute).toBe(60);
    expect(set.rateLimits.signInWindowSeconds).toBe(300);
    expect(set.trustProxyHops).toBe(1);
    expect(loadConfig({ DRAMATIS_TRUST_PROXY: "2" }).trustProxyHops).toBe(2);
    expect(() => loadConfig({ DRAMATIS_TRUST_PROXY: "yes", DRAMATIS_RATE_LIMIT_PER_MINUTE: "0" })).toThrow(
      /DRAMATIS_TRUST_PROXY[\s\S]*DRAMATIS_RATE_LIMIT_PER_MINUTE|DRAMATIS_RATE_LIMIT_PER_MINUTE[\s\S]*DRAMATIS_TRUST_PROXY/,
    );
  });

  it("lists every bad value at once with what is expected", () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: "eighty",
        DATABASE_URL: "mysql://x",
        LOG_LEVEL: "loud",
        DRAMATIS_ADMIN_KEY: "short",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/PORT: expected a port number/);
    expect(problems.join("\n")).toMatch(/DATABASE_URL: expected a postgres:\/\/ URL/);
    expect(problems.join("\n")).toMatch(/LOG_LEVEL: expected one of/);
    expect(problems.join("\n")).toMatch(/DRAMATIS_ADMIN_KEY: expected 24-200/);
  });

  it("names the flag when a flag is at fault", () => {
    expect(() => loadConfig({}, { port: "99999" })).toThrow(/--port: expected a port number/);
  });

  it("reads model providers from DRAMATIS_PROVIDERS and well-known keys, resolving api_key_env", () => {
    const config = loadConfig({
      OPENAI_API_KEY: "sk-test",
      MY_KEY: "secret",
      DRAMATIS_PROVIDERS: JSON.stringify([
        {
          name: "ollama",
          kind: "openai-compatible",
          base_url: "http://127.0.0.1:11434/v1",
          models: ["llama3"],
        },
        {
          name: "router",
          kind: "openai-compatible",
          base_url: "https://example.test/v1",
          api_key_env: "MY_KEY",
        },
      ]),
    });
    expect(config.providers.map((provider) => provider.name)).toEqual(["openai", "ollama", "router"]);
    expect(config.providers.find((provider) => provider.name === "openai")?.api_key).toBe("sk-test");
    expect(config.providers.find((provider) => provider.name === "router")?.api_key).toBe("secret");
  });

  it("explains bad provider configuration", () => {
    expect(() => loadConfig({ DRAMATIS_PROVIDERS: "not json" })).toThrow(/DRAMATIS_PROVIDERS: .*JSON array/);
    expect(() =>
      loadConfig({ DRAMATIS_PROVIDERS: JSON.stringify([{ name: "Bad Name", kind: "openai-compatible" }]) }),
    ).toThrow(/providers\.0\.name/);
    expect(() =>
      loadConfig({
        DRAMATIS_PROVIDERS: JSON.stringify([{ name: "x", kind: "anthropic", api_key_env: "MISSING_KEY" }]),
      }),
    ).toThrow(/provider x: MISSING_KEY \(its api_key_env\) is not set/);
    expect(() => loadConfig({ DRAMATIS_PROVIDERS_FILE: "/nonexistent/providers.json" })).toThrow(
      /cannot read the file/,
    );
  });

  it("takes the web push VAPID subject from DRAMATIS_VAPID_SUBJECT, else an https public URL, and checks it", () => {
    expect(loadConfig({ DRAMATIS_VAPID_SUBJECT: "mailto:ops@example.com" }).vapidSubject).toBe(
      "mailto:ops@example.com",
    );
    expect(loadConfig({ DRAMATIS_PUBLIC_URL: "https://chat.example.com/" }).vapidSubject).toBe(
      "https://chat.example.com",
    );
    expect(loadConfig({ DRAMATIS_PUBLIC_URL: "http://localhost:8787" }).vapidSubject).toBe(
      "mailto:webpush@example.com",
    );
    expect(loadConfig({}).pushAllowHttp).toBe(false);
    expect(loadConfig({ DRAMATIS_PUSH_ALLOW_HTTP: "true" }).pushAllowHttp).toBe(true);
    const problems = (() => {
      try {
        loadConfig({ DRAMATIS_VAPID_SUBJECT: "mailto:me@localhost", DRAMATIS_PUSH_ALLOW_HTTP: "maybe" });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems).toEqual([
      expect.stringMatching(/^DRAMATIS_VAPID_SUBJECT: expected a mailto: address or an https: URL/),
      expect.stringMatching(/^DRAMATIS_PUSH_ALLOW_HTTP: expected true or false/),
    ]);
  });
  it("reads the outbound allow-list (DRAMATIS_OUTBOUND_ALLOW) and names a bad one", () => {
    expect(loadConfig({}).outboundAllow).toEqual([]);
    expect(loadConfig({ DRAMATIS_OUTBOUND_ALLOW: " 127.0.0.1:11434, 10.0.0.0/8 " }).outboundAllow).toEqual([
      "127.0.0.1:11434",
      "10.0.0.0/8",
    ]);
    expect(() => loadConfig({ DRAMATIS_OUTBOUND_ALLOW: "10.0.0.0/99" })).toThrow(
      /DRAMATIS_OUTBOUND_ALLOW.*expected comma-separated hosts/,
    );
  });

  it("names each secret variable and what is wrong, never its value", () => {
    const rejected: Record<string, string> = {
      DRAMATIS_SECRET_KEY: "not-a-key-but-a-secret-0001",
      DRAMATIS_SECRET_KEY_PREVIOUS: "not-a-key-but-a-secret-0002",
      DRAMATIS_ADMIN_KEY: "short secret 0003",
      DRAMATIS_SETUP_TOKEN: "bad secret 0004",
      DRAMATIS_METRICS_TOKEN: "bad secret 0005",
      WHATSAPP_APP_SECRET: "has spaces secret 0006",
      WHATSAPP_VERIFY_TOKEN: "has spaces secret 0007",
      WHATSAPP_ACCESS_TOKEN: "has spaces secret 0008",
      TWILIO_ACCOUNT_SID: "ACnot-a-sid-secret-0009",
      TWILIO_AUTH_TOKEN: "has spaces secret 0010",
      REDIS_URL: "redis://default:secret-0011@redis.internal:notaport",
      DATABASE_URL: "postgres://app:secret-0012@db.internal:notaport/dramatis",
      DRAMATIS_PROVIDERS: JSON.stringify([
        { name: "inline", kind: "openai-compatible", base_url: 7, api_key: "sk-secret-0013" },
      ]),
    };
    let error: unknown;
    try {
      loadConfig(rejected);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = `${(error as ConfigError).message}\n${(error as ConfigError).stack}`;
    for (const name of Object.keys(rejected)) expect(text).toContain(name);
    expect(text).not.toMatch(/secret-?\d{4}|secret \d{4}/);
    expect(text).toMatch(/REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(text).toMatch(/DATABASE_URL: expected a postgres:\/\/ URL/);
    // Flags are named the same way.
    expect(() => loadConfig({}, { "admin-key": "tiny-secret-0014" })).toThrow(
      /^(?![\s\S]*0014)[\s\S]*--admin-key: expected/,
    );
  });

  it("reads DRAMATIS_SECRET_KEY_PREVIOUS and DRAMATIS_METRICS_TOKEN", () => {
    const config = loadConfig({
      DRAMATIS_SECRET_KEY: "ab".repeat(32),
      DRAMATIS_SECRET_KEY_PREVIOUS: "cd".repeat(32),
      DRAMATIS_METRICS_TOKEN: "metrics-token-0123456789",
    });
    expect(config).toMatchObject({
      secretKey: "ab".repeat(32),
      previousSecretKey: "cd".repeat(32),
      metricsToken: "metrics-token-0123456789",
    });
  });

  it("reads DRAMATIS_METRICS_PORT: none by default, a port of its own otherwise", () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ DRAMATIS_METRICS_PORT: "9464" }).metricsPort).toBe(9464);
    expect(loadConfig({}, { "metrics-port": "9465" }).metricsPort).toBe(9465);
    expect(() => loadConfig({ DRAMATIS_METRICS_PORT: "metrics" })).toThrow(
      /DRAMATIS_METRICS_PORT: expected a port number/,
    );
    expect(() => loadConfig({ DRAMATIS_METRICS_PORT: "70000" })).toThrow(/DRAMATIS_METRICS_PORT/);
    expect(() => loadConfig({ PORT: "9000", DRAMATIS_METRICS_PORT: "9000" })).toThrow(
      /DRAMATIS_METRICS_PORT: must differ from PORT/,
    );
  });

  it("lists the configured secrets, so unexpected errors can be redacted", () => {
    const secrets = configuredSecrets({
      DRAMATIS_ADMIN_KEY: "admin-key-value-123456789012",
      OPENAI_API_KEY: "sk-openai-value",
      PORT: "8787",
    });
    expect(secrets).toEqual(expect.arrayContaining(["admin-key-value-123456789012", "sk-openai-value"]));
    expect(secrets).not.toContain("8787");
  });

  it("keeps blobs in files by default, with no quota unless DRAMATIS_BLOB_QUOTA_MB is set", () => {
    expect(loadConfig({}).blobStore).toEqual({ kind: "file", quotaBytes: undefined });
    expect(loadConfig({ DRAMATIS_BLOB_QUOTA_MB: "250" }).blobStore).toEqual({
      kind: "file",
      quotaBytes: 250 * 1024 * 1024,
    });
    expect(loadConfig({}, { "blob-quota-mb": "1" }).blobStore.quotaBytes).toBe(1024 * 1024);
    expect(() => loadConfig({ DRAMATIS_BLOB_QUOTA_MB: "0" })).toThrow(
      /DRAMATIS_BLOB_QUOTA_MB: expected megabytes each tenant may store/,
    );
    expect(() => loadConfig({ DRAMATIS_BLOB_QUOTA_MB: "1.5" })).toThrow(/DRAMATIS_BLOB_QUOTA_MB/);
  });

  it("reads an S3-compatible blob store (DRAMATIS_BLOB_STORE=s3, DRAMATIS_S3_*) with its defaults", () => {
    expect(loadConfig({ DRAMATIS_BLOB_STORE: "s3", DRAMATIS_S3_BUCKET: "dramatis-blobs" }).blobStore).toEqual(
      {
        kind: "s3",
        quotaBytes: undefined,
        s3: {
          bucket: "dramatis-blobs",
          endpoint: undefined,
          region: "us-east-1",
          prefix: "",
          forcePathStyle: false,
          // Neither: the AWS SDK's default chain (AWS_ACCESS_KEY_ID, profiles, instance roles).
          accessKeyId: undefined,
          secretAccessKey: undefined,
        },
      },
    );
    const minio = loadConfig({
      DRAMATIS_BLOB_STORE: "s3",
      DRAMATIS_S3_BUCKET: "blobs",
      DRAMATIS_S3_ENDPOINT: "http://127.0.0.1:9000/",
      DRAMATIS_S3_REGION: "auto",
      DRAMATIS_S3_PREFIX: "dramatis",
      DRAMATIS_S3_FORCE_PATH_STYLE: "true",
      DRAMATIS_S3_ACCESS_KEY_ID: "minioadmin",
      DRAMATIS_S3_SECRET_ACCESS_KEY: "minio-secret-0001",
      DRAMATIS_BLOB_QUOTA_MB: "10",
    });
    expect(minio.blobStore).toEqual({
      kind: "s3",
      quotaBytes: 10 * 1024 * 1024,
      s3: {
        bucket: "blobs",
        endpoint: "http://127.0.0.1:9000",
        region: "auto",
        prefix: "dramatis/",
        forcePathStyle: true,
        accessKeyId: "minioadmin",
        secretAccessKey: "minio-secret-0001",
      },
    });
    expect(
      configuredSecrets({
        DRAMATIS_S3_SECRET_ACCESS_KEY: "minio-secret-0001",
        AWS_SECRET_ACCESS_KEY: "aws-secret-0002",
      }),
    ).toEqual(expect.arrayContaining(["minio-secret-0001", "aws-secret-0002"]));
  });

  it("refuses an S3 blob store without a bucket, half a key pair, and bad S3 values, at start-up", () => {
    const problemsOf = (environment: Record<string, string>) => {
      try {
        loadConfig(environment);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problemsOf({ DRAMATIS_BLOB_STORE: "s3" })).toEqual([
      "DRAMATIS_S3_BUCKET: required when DRAMATIS_BLOB_STORE is s3 (the bucket that holds the blobs)",
    ]);
    expect(
      problemsOf({ DRAMATIS_BLOB_STORE: "s3", DRAMATIS_S3_BUCKET: "b1b", DRAMATIS_S3_ACCESS_KEY_ID: "id" }),
    ).toEqual([
      expect.stringMatching(
        /^DRAMATIS_S3_ACCESS_KEY_ID and DRAMATIS_S3_SECRET_ACCESS_KEY: set both, or neither/,
      ),
    ]);
    expect(
      problemsOf({
        DRAMATIS_BLOB_STORE: "ftp",
        DRAMATIS_S3_BUCKET: "Not_A_Bucket",
        DRAMATIS_S3_ENDPOINT: "minio:9000",
        DRAMATIS_S3_PREFIX: "/absolute",
        DRAMATIS_S3_FORCE_PATH_STYLE: "yes",
        DRAMATIS_S3_SECRET_ACCESS_KEY: "has spaces secret 0003",
      }),
    ).toEqual([
      expect.stringMatching(/^DRAMATIS_BLOB_STORE: expected file .* or s3/),
      expect.stringMatching(/^DRAMATIS_S3_BUCKET: expected a bucket name/),
      expect.stringMatching(/^DRAMATIS_S3_ENDPOINT: expected the http\(s\) address/),
      expect.stringMatching(/^DRAMATIS_S3_PREFIX: expected a key prefix/),
      expect.stringMatching(/^DRAMATIS_S3_FORCE_PATH_STYLE: expected true or false/),
      expect.stringMatching(/^DRAMATIS_S3_SECRET_ACCESS_KEY: expected a secret access key without spaces$/),
    ]);
  });
});
