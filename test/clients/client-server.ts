import { z } from "zod";
import {
  startMockOpenAI,
  type MockToolCall,
  type MockUpstream,
  type RecordedRequest,
} from "../mock-upstreams.ts";
import { startRunningServer, type RunningTestServer } from "../running-server.ts";

/*
 * What the client suites share: a real Dramatis server on a loopback port with one persona, the user the
 * clients act for, and the tool, schema and picture each suite sends through its own client.
 */

/** The user every client acts for (the `X-Dramatis-User` header). */
export const CLIENT_USER = "alice";

export interface ClientServer {
  running: RunningTestServer;
  /** The OpenAI base URL clients take, `${url}/v1`. */
  baseURL: string;
  apiKey: string;
  /** Headers every client sends besides its key. */
  headers: Record<string, string>;
  /** A persona on the offline engine. */
  personaId: string;
  /** `persona/<id>`, the model name clients ask for. */
  model: string;
  /** Creates another persona (on `model` when given) and returns its id. */
  createPersona(name: string, model?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a server (with these environment settings) and creates a persona on the offline engine.
 *
 * @example const served = await startClientServer(); new OpenAI({ baseURL: served.baseURL, apiKey: served.apiKey });
 */
export async function startClientServer(environment: Record<string, string> = {}): Promise<ClientServer> {
  const running = await startRunningServer(environment);
  const createPersona = async (name: string, model?: string): Promise<string> => {
    const created = await running.call("/v1/personas", { method: "POST", user: CLIENT_USER, json: { name } });
    if (created.status !== 201 && created.status !== 200) {
      throw new Error(`creating persona ${name}: ${created.status} ${JSON.stringify(created.body)}`);
    }
    const id = created.body.id as string;
    if (model) {
      const patched = await running.call(`/v1/personas/${id}`, {
        method: "PATCH",
        user: CLIENT_USER,
        json: { model },
      });
      if (patched.status !== 200) {
        throw new Error(`setting ${name}'s model: ${patched.status} ${JSON.stringify(patched.body)}`);
      }
    }
    return id;
  };
  const personaId = await createPersona("Mira");
  return {
    running,
    baseURL: `${running.url}/v1`,
    apiKey: running.adminKey,
    headers: { "X-Dramatis-User": CLIENT_USER },
    personaId,
    model: `persona/${personaId}`,
    createPersona,
    stop: () => running.stop(),
  };
}

/** The weather tool's parameters, as JSON schema (what goes on the wire) and as zod (what clients take). */
export const weatherParameters = {
  type: "object",
  properties: {
    city: { type: "string", description: "The city" },
    unit: { type: "string", enum: ["c", "f"] },
  },
  required: ["city", "unit"],
  additionalProperties: false,
} as const;

export const weatherArguments = z.object({
  city: z.string().describe("The city"),
  unit: z.enum(["c", "f"]),
});

/** A second tool, so the tests can tell which one the engine chose. */
export const timeArguments = z.object({ zone: z.string() });

/** A profile the structured-output tests ask for; `.strict()` so extra keys fail validation. */
export const profileSchema = z
  .object({
    name: z.string(),
    age: z.number().int().min(0).max(150),
    hobbies: z.array(z.string()),
  })
  .strict();

export const profileJsonSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: "integer", minimum: 0, maximum: 150 },
    hobbies: { type: "array", items: { type: "string" } },
  },
  required: ["name", "age", "hobbies"],
  additionalProperties: false,
} as const;

/** A 1x1 PNG as a data URL. */
export const PIXEL_PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** The PNG's bytes, for clients that take binary image data. */
export const PIXEL_PNG_BYTES = Buffer.from(PIXEL_PNG.slice(PIXEL_PNG.indexOf(",") + 1), "base64");

/** A prompt long enough that a few tokens of max_tokens cannot hold the reply. */
export const LONG_PROMPT = "Tell me a long story about the sea, with ships, storms and a lighthouse keeper.";

/** The body limit of the server behind the upstream fakes: small, so a client can send past it. */
export const SMALL_BODY_LIMIT = 64 * 1024;

/** The arguments the upstream fake calls each tool with. */
export const UPSTREAM_ARGUMENTS: Record<string, Record<string, unknown>> = {
  get_weather: { city: "Oslo", unit: "c" },
  get_time: { zone: "Asia/Tokyo" },
};

/** The profile the upstream fake answers a json_schema response format with. */
export const UPSTREAM_PROFILE = { name: "Upstream", age: 30, hobbies: ["sailing"] };

/** What the vision upstream says about a picture. */
export const UPSTREAM_REPLY = "Hello from the vision upstream, the picture is one pixel.";

/** The text the flaky upstream starts to stream before its connection drops. */
export const FLAKY_REPLY = "one two three four five six seven eight";

/** Text of an OpenAI message's content, a string or parts. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { text?: unknown }) => (typeof part.text === "string" ? part.text : ""))
    .join(" ");
}

/**
 * The upstream fake's tool calls, with the offline engine's rules: a named or required tool is called,
 * with tool_choice auto one the last user message names; after tool results it answers in text.
 */
export function upstreamToolCalls(body: RecordedRequest["body"]): MockToolCall[] | undefined {
  const tools = (body?.tools ?? []) as { function: { name: string } }[];
  const last = body?.messages?.at(-1);
  const choice = body?.tool_choice;
  if (tools.length === 0 || choice === "none" || last?.role !== "user") return undefined;
  const text = contentText(last.content).toLowerCase();
  const named = tools.find((entry) => {
    const name = entry.function.name.toLowerCase();
    return text.includes(name) || text.includes(name.replace(/_/g, " "));
  });
  const name =
    typeof choice === "object" && choice !== null
      ? (choice.function?.name as string)
      : (named?.function.name ?? (choice === "required" ? tools[0]!.function.name : undefined));
  return name ? [{ name, arguments: UPSTREAM_ARGUMENTS[name] ?? {} }] : undefined;
}

function upstreamReply(body: RecordedRequest["body"]): string {
  if (upstreamToolCalls(body)) return "";
  const last = body?.messages?.at(-1);
  if (last?.role === "tool") return `The upstream read ${contentText(last.content)}.`;
  if (body?.response_format?.type === "json_schema") return JSON.stringify(UPSTREAM_PROFILE);
  if (body?.response_format?.type === "json_object") return JSON.stringify({ reply: UPSTREAM_REPLY });
  return UPSTREAM_REPLY;
}

/** The image_url parts of the user messages an upstream received, newest request's. */
export function imagePartsSent(upstream: MockUpstream): { type: string; image_url: { url: string } }[] {
  const messages = (upstream.lastBody()?.messages ?? []) as { role: string; content: unknown }[];
  return messages.flatMap((message) =>
    Array.isArray(message.content)
      ? (message.content as { type: string; image_url: { url: string } }[]).filter(
          (part) => part.type === "image_url",
        )
      : [],
  );
}

export interface UpstreamClientServer extends ClientServer {
  /** An OpenAI-compatible fake with a vision model that calls tools (see upstreamToolCalls). */
  upstream: MockUpstream;
  /** A fake whose streams lose their connection after two deltas. */
  flaky: MockUpstream;
  /** `persona/<id>` of a persona on the vision upstream's `gpt-4o`. */
  visionModel: string;
  /** `persona/<id>` of a persona on the flaky upstream. */
  flakyModel: string;
}

/**
 * A server whose personas answer through OpenAI-compatible fakes (configured by DRAMATIS_PROVIDERS),
 * with a small body limit (SMALL_BODY_LIMIT).
 *
 * @example const served = await startUpstreamClientServer(); served.upstream.lastBody().tools
 */
export async function startUpstreamClientServer(): Promise<UpstreamClientServer> {
  const upstream = await startMockOpenAI({
    models: ["gpt-4o"],
    reply: upstreamReply,
    toolCalls: upstreamToolCalls,
  });
  const flaky = await startMockOpenAI({
    models: ["gpt-4o-mini"],
    reply: FLAKY_REPLY,
    dropAfterChunks: 3,
    chunkDelayMs: 10,
  });
  const provider = (name: string, mock: MockUpstream, model: string) => ({
    name,
    kind: "openai-compatible",
    base_url: mock.baseURL,
    api_key: "sk-mock",
    models: [model],
  });
  const served = await startClientServer({
    DRAMATIS_PROVIDERS: JSON.stringify([
      provider("vision", upstream, "gpt-4o"),
      provider("flaky", flaky, "gpt-4o-mini"),
    ]),
    DRAMATIS_BODY_LIMIT: String(SMALL_BODY_LIMIT),
    // Chat completions (which may carry images) are bounded by the upload limit.
    DRAMATIS_IMPORT_LIMIT: String(SMALL_BODY_LIMIT),
  });
  const visionModel = `persona/${await served.createPersona("Iris", "vision/gpt-4o")}`;
  const flakyModel = `persona/${await served.createPersona("Flick", "flaky/gpt-4o-mini")}`;
  return {
    ...served,
    upstream,
    flaky,
    visionModel,
    flakyModel,
    async stop() {
      await served.stop();
      await upstream.close();
      await flaky.close();
    },
  };
}

/**
 * A user message far past SMALL_BODY_LIMIT: more than socket buffers take in at once, so the server
 * answers 413 while the rest of the body is still on its way (then drains it, within its 4 MiB cap).
 */
export const OVERSIZED_MESSAGE = "x".repeat(2 * 1024 * 1024);
