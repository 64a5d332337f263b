import { afterEach, beforeEach, describe, expect, it } from "vitest";
// A plain JavaScript example (the README's), type-checked through its JSDoc and the SDK it calls.
import { quickstart } from "../../docs/examples/sdk-quickstart.mjs";
import { ADMIN_KEY, createTestApp, type TestApp } from "../test-app.ts";

describe("the README's SDK example", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  it("creates a persona, starts a conversation and streams the reply", async () => {
    let written = "";
    const result = await quickstart({
      baseUrl: "http://dramatis.test",
      apiKey: ADMIN_KEY,
      fetch: (request: Request) => app.fetch(request),
      write: (text: string) => {
        written += text;
      },
    });
    expect(result.persona.name).toBe("Marlowe");
    expect(result.reply.length).toBeGreaterThan(0);
    expect(written.trim()).toBe(result.reply.trim());
    const stored = await app.request(`/v1/conversations/${result.conversation.id}/messages`, {
      user: "sdk-example",
    });
    const messages = (await stored.json()) as { data: { role: string; content: string }[] };
    expect(messages.data.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(messages.data[1]!.content.trim()).toBe(result.reply.trim());
  });
});
