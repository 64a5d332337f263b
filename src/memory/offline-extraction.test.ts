import { describe, expect, it } from "vitest";
import { extractMemoriesByRules } from "./offline-extraction.ts";

const now = new Date("2024-06-15T10:30:00.000Z");
const extract = (userMessage: string) => extractMemoriesByRules({ userMessage, now });
const factsOf = (userMessage: string) => extract(userMessage).map((memory) => memory.facts);

describe("extractMemoriesByRules: names", () => {
  it("reads 'my name is Ana and I love sailing' as two memories", () => {
    const memories = extract("my name is Ana and I love sailing");
    expect(memories).toHaveLength(2);
    expect(memories[0]).toMatchObject({
      owner: "relationship",
      facts: "The user's name is Ana.",
      type: "normal",
      event_time: null,
      sequence: null,
      revises: null,
      metadata: { rule: "name", subject: "Ana" },
    });
    expect(memories[1]).toMatchObject({
      facts: "The user loves sailing.",
      metadata: { rule: "like", subject: "sailing" },
      emotion_tags: ["affection"],
    });
    for (const memory of memories) {
      expect(memory.strength).toBeGreaterThanOrEqual(60);
      expect(memory.strength).toBeLessThanOrEqual(70);
    }
  });

  it("capitalises a lower-case stated name and keeps a surname", () => {
    expect(factsOf("hi, my name is ana")).toEqual(["The user's name is Ana."]);
    expect(factsOf("My name is Ana Sousa.")).toEqual(["The user's name is Ana Sousa."]);
    expect(factsOf("my name is not important")).toEqual([]);
  });

  it("takes 'I'm X' only when X is a capitalised name", () => {
    expect(factsOf("Hi! I'm Ana.")).toEqual(["The user's name is Ana."]);
    expect(factsOf("I'm Ana from Porto")).toEqual(["The user's name is Ana."]);
    expect(factsOf("I'm tired")).toEqual([]);
    expect(factsOf("I'm Portuguese")).toEqual([]);
    expect(factsOf("I'M SO TIRED")).toEqual([]);
    expect(factsOf("I am going to the shop")).toEqual([]);
  });

  it("reads 'call me X' as how the user likes to be called", () => {
    expect(factsOf("My name is Anastasia but call me Ana")).toEqual([
      "The user's name is Anastasia.",
      "The user likes to be called Ana.",
    ]);
    expect(factsOf("call me tomorrow")).toEqual([]);
  });
});

describe("extractMemoriesByRules: likes and dislikes", () => {
  it("reads each liked thing of a list", () => {
    expect(factsOf("I enjoy hiking, chess and my dog")).toEqual([
      "The user enjoys hiking.",
      "The user enjoys chess.",
      "The user enjoys their dog.",
    ]);
  });

  it("reads dislikes in their several forms", () => {
    expect(factsOf("I dislike mushrooms")).toEqual(["The user dislikes mushrooms."]);
    expect(factsOf("I really can't stand loud music")).toEqual(["The user dislikes loud music."]);
    expect(factsOf("I don’t like rain.")).toEqual(["The user dislikes rain."]);
    expect(factsOf("I hate mornings so much")).toEqual(["The user hates mornings."]);
    expect(extract("I dislike mushrooms")[0]).toMatchObject({
      metadata: { rule: "dislike", subject: "mushrooms" },
      emotion_tags: ["aversion"],
    });
  });

  it("splits clauses joined by 'and', 'but' and commas", () => {
    expect(factsOf("I love jazz but I hate mushrooms, and I adore cats")).toEqual([
      "The user loves jazz.",
      "The user hates mushrooms.",
      "The user adores cats.",
    ]);
    expect(factsOf("I love sailing and hate mushrooms")).toEqual([
      "The user loves sailing.",
      "The user hates mushrooms.",
    ]);
  });

  it("ignores pronouns and stops at reasons", () => {
    expect(factsOf("I love it")).toEqual([]);
    expect(factsOf("I love you")).toEqual([]);
    expect(factsOf("I like sailing because the sea is calm")).toEqual(["The user likes sailing."]);
    expect(factsOf("I'd like a coffee")).toEqual([]);
  });
});

describe("extractMemoriesByRules: dated events", () => {
  it("dates events from explicit dates", () => {
    const [memory] = extract("On 2024-05-01 I moved to Porto.");
    expect(memory).toMatchObject({
      facts: "On 2024-05-01 the user moved to Porto.",
      event_time: "2024-05-01T00:00:00.000Z",
      metadata: { rule: "event" },
    });
    expect(factsOf("I started my new job on May 3, 2023")).toEqual([
      "On 2023-05-03 the user started their new job.",
    ]);
    expect(factsOf("I got married on 12 June 2010")).toEqual(["On 2010-06-12 the user got married."]);
    expect(factsOf("In 2019 I ran a marathon")).toEqual(["In 2019 the user ran a marathon."]);
    expect(factsOf("In March 2020 we adopted a cat")).toEqual([
      "In March 2020 the user and others adopted a cat.",
    ]);
  });

  it("dates events relative to now", () => {
    expect(extract("Yesterday I lost my keys")[0]).toMatchObject({
      facts: "On 2024-06-14 the user lost their keys.",
      event_time: "2024-06-14T00:00:00.000Z",
    });
    expect(factsOf("today I finished my thesis")).toEqual(["On 2024-06-15 the user finished their thesis."]);
    expect(factsOf("Last week my sister had a baby")).toEqual([
      "On 2024-06-08 the user's sister had a baby.",
    ]);
    expect(factsOf("I quit smoking three days ago")).toEqual(["On 2024-06-12 the user quit smoking."]);
    expect(factsOf("I visited Rome last month")).toEqual(["In May 2024 the user visited Rome."]);
  });

  it("lets a later clause share its sentence's date and tags emotions", () => {
    const memories = extract("Last week I started a new job, and I'm so happy");
    expect(memories.map((memory) => memory.facts)).toEqual(["On 2024-06-08 the user started a new job."]);
    expect(memories[0]?.emotion_tags).toEqual(["joy"]);
    expect(factsOf("Yesterday was rough, I lost my wallet")).toEqual([
      "On 2024-06-14 the user lost their wallet.",
    ]);
  });

  it("needs a date and a subject", () => {
    expect(factsOf("I moved to Porto")).toEqual([]);
    expect(factsOf("Yesterday was nice")).toEqual([]);
    expect(factsOf("I moved on 2024-02-30 to Porto")).toEqual([]);
  });
});

describe("extractMemoriesByRules: messages", () => {
  it("reads several sentences and drops repeats", () => {
    expect(factsOf("My name is Ana. I love sailing! I love sailing.")).toEqual([
      "The user's name is Ana.",
      "The user loves sailing.",
    ]);
  });

  it("finds nothing in small talk", () => {
    expect(factsOf("How are you today?")).toEqual([]);
    expect(factsOf("")).toEqual([]);
  });

  it("is deterministic", () => {
    const message = "I'm Bea, I hate olives and yesterday I adopted a dog";
    expect(extract(message)).toEqual(extract(message));
    expect(factsOf(message)).toEqual([
      "The user's name is Bea.",
      "The user hates olives.",
      "On 2024-06-14 the user adopted a dog.",
    ]);
  });
});
