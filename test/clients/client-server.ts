import { z } from "zod";
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
