import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

/**
 * A new user's first chat, answered by the offline engine: it answers what was said and never repeats the
 * prompt it was given (memory lines with their labels, the persona's personality, the user persona).
 */
describe("offline replies in a conversation", () => {
  let app: TestApp;
  const user = "newcomer";

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  it("answers greetings, questions and thanks without leaking memories, labels or instructions", async () => {
    const persona = (
      await (
        await app.request("/v1/personas", {
          method: "POST",
          json: {
            name: "Orla",
            personality: "Curious about everything. Emotions run high in storms.",
            first_message: "Welcome aboard!",
          },
        })
      ).json()
    ).id;
    for (const memory of [
      {
        facts: "You won the regatta in Brest.",
        feelings: "Elated and a little stunned.",
        emotion_tags: ["aversion", "pride"],
        interpretation: "You are good under pressure.",
        type: "pride",
        strength: 90,
      },
      { facts: "You lost the harbour map.", emotion_tags: ["shame"], type: "shame", strength: 80 },
    ]) {
      expect(
        (await app.request(`/v1/personas/${persona}/memories`, { method: "POST", json: memory })).status,
      ).toBe(201);
    }
    const conversation = (
      await (
        await app.request("/v1/conversations", { method: "POST", user, json: { persona_id: persona } })
      ).json()
    ).id;

    const replies: string[] = [];
    for (const content of [
      "Hello!",
      "Tell me about the regatta you won",
      "What happened to the harbour map?",
      "Why are you so proud?",
      "Thanks, that's kind",
    ]) {
      const exchange = await (
        await app.request(`/v1/conversations/${conversation}/messages`, {
          method: "POST",
          user,
          json: { content },
        })
      ).json();
      replies.push(exchange.message.content);
      const prompt = await (
        await app.request(`/v1/conversations/${conversation}/messages/${exchange.message.id}/prompt`, {
          user,
        })
      ).json();
      const memories = prompt.sections.find((section: any) => section.name === "memories")?.text ?? "";
      // The memories were in the prompt; none of their lines may come back in the reply.
      expect(memories).toContain("regatta");
      for (const line of memories.split("\n").filter((line: string) => line.trim().length > 20)) {
        expect(exchange.message.content).not.toContain(line.replace(/^[-*]\s*/, ""));
      }
    }
    for (const reply of replies) {
      expect(reply).not.toMatch(
        /I remember this|Emotions:|aversion|How it felt|What it means to you|You are proud of this|the part about|\{\{|Emotions run high/,
      );
      expect(reply).toContain("offline engine");
    }
    expect(replies[0]).toMatch(/^(Hi|Hello|Hey)!/);
    // The topic is reflected by some request templates, never as a broken fragment.
    expect(replies[1]).toMatch(/the regatta|Of course|Sure|Happy to/);
    expect(replies[4]).toMatch(/welcome|Any time|pleasure|Glad/);
    expect(new Set(replies).size).toBeGreaterThan(2);
  });
});
