import { describe, expect, it } from "vitest";
import { buildMemory } from "./memory-factory.ts";
import {
  describeClarity,
  isPressingOn,
  renderMemoriesForPrompt,
  renderMemoryLine,
} from "./memory-rendering.ts";

const detailed = {
  facts: "You won the regional sailing race at sixteen, beating boats crewed by adults",
  feelings: "Elated and a little stunned",
  emotion_tags: ["joy", "pride"],
  interpretation: "Proof that you could hold your own",
};

const render = (memories: ReturnType<typeof buildMemory>[], userMessage = "Hello there") =>
  renderMemoriesForPrompt({ memories, userMessage });

describe("describeClarity", () => {
  it("is vivid from 75, faded below 40, plain in between", () => {
    expect([100, 75, 74, 40, 39, 0].map(describeClarity)).toEqual([
      "vivid",
      "vivid",
      "plain",
      "plain",
      "faded",
      "faded",
    ]);
  });
});

describe("renderMemoryLine by strength", () => {
  it("renders a vivid memory in full detail", () => {
    expect(renderMemoryLine(buildMemory({ ...detailed, strength: 80 }))).toBe(
      "You won the regional sailing race at sixteen, beating boats crewed by adults. " +
        "How it felt: Elated and a little stunned. Emotions: joy, pride. " +
        "What it means to you: Proof that you could hold your own.",
    );
  });

  it("renders a mid-strength memory plainly: facts and feelings only", () => {
    expect(renderMemoryLine(buildMemory({ ...detailed, strength: 55 }))).toBe(
      "You won the regional sailing race at sixteen, beating boats crewed by adults. " +
        "How it felt: Elated and a little stunned.",
    );
  });

  it("renders a faded memory as a hazy fragment", () => {
    const line = renderMemoryLine(buildMemory({ ...detailed, strength: 20 }));
    expect(line).toBe(
      "You vaguely remember: You won the regional sailing race at sixteen,… (details are hazy)",
    );
    expect(line).not.toContain("Elated");
  });

  it("dates a memory with an event time, only the year when faded", () => {
    const eventTime = "2001-07-14T00:00:00.000Z";
    expect(
      renderMemoryLine(buildMemory({ facts: "You moved house.", strength: 60, event_time: eventTime })),
    ).toBe("(2001-07-14) You moved house.");
    expect(
      renderMemoryLine(buildMemory({ facts: "You moved house.", strength: 10, event_time: eventTime })),
    ).toBe("You vaguely remember: (around 2001) You moved house (details are hazy)");
  });
});

describe("renderMemoryLine by type", () => {
  it("volunteers pride", () => {
    expect(renderMemoryLine(buildMemory({ type: "pride", facts: "You ran a marathon." }))).toBe(
      "You are proud of this and like to bring it up: You ran a marathon.",
    );
  });

  it("deflects shame", () => {
    expect(
      renderMemoryLine(buildMemory({ type: "shame", facts: "You failed your driving test twice." })),
    ).toBe(
      "You are ashamed of this; deflect or play it down if it comes up: You failed your driving test twice.",
    );
  });

  it("embellishes an exaggerated memory", () => {
    expect(renderMemoryLine(buildMemory({ type: "exaggerated", facts: "You caught a big fish." }))).toBe(
      "You tend to embellish this when you tell it: You caught a big fish.",
    );
  });

  it("phrases relationship memories as about the user", () => {
    const memory = buildMemory({
      owner: "relationship",
      user_id: "user-1",
      facts: "The user's name is Ana.",
    });
    expect(renderMemoryLine(memory)).toBe("About the user: The user's name is Ana.");
  });
});

describe("renderMemoriesForPrompt", () => {
  const fire = buildMemory({
    id: "fire",
    type: "repressed",
    facts: "The kitchen fire at your grandmother's house when you were nine",
    emotion_tags: ["fear"],
  });

  it("leaves a repressed memory out unless the message presses on it", () => {
    expect(render([fire], "How was your weekend?")).toEqual([]);
    expect(render([fire], "Your grandmother's kitchen sounds lovely")).toEqual([
      "You resist recalling this, and only reluctantly admit: " +
        "The kitchen fire at your grandmother's house when you were nine.",
    ]);
  });

  it("surfaces a repressed memory when asked about it directly", () => {
    expect(render([fire], "What happened with the fire?")).toHaveLength(1);
    expect(render([fire], "What are you hiding from me?")).toHaveLength(1);
    expect(render([fire], "Tell me about your fears")).toHaveLength(1);
  });

  it("uses a revision in place of the memory it revises", () => {
    const original = buildMemory({ id: "original", facts: "Your father taught you to sail." });
    const revision = buildMemory({
      id: "revision",
      type: "revised",
      revises: "original",
      facts: "It was your uncle, not your father, who taught you to sail.",
    });
    expect(render([original, revision])).toEqual([
      "Your corrected memory: It was your uncle, not your father, who taught you to sail.",
    ]);
  });

  it("leaves out memories superseded by revisions outside the list", () => {
    const original = buildMemory({ id: "original" });
    expect(
      renderMemoriesForPrompt({
        memories: [original],
        userMessage: "hi",
        supersededIds: new Set(["original"]),
      }),
    ).toEqual([]);
  });

  it("keeps the ranking order and cuts at maxLines after exclusions", () => {
    const memories = [
      buildMemory({ id: "a", facts: "First." }),
      fire,
      buildMemory({ id: "b", facts: "Second." }),
      buildMemory({ id: "c", facts: "Third." }),
    ];
    expect(renderMemoriesForPrompt({ memories, userMessage: "hi", maxLines: 2 })).toEqual([
      "First.",
      "Second.",
    ]);
  });

  it("renders what the user told in an earlier conversation", () => {
    const name = buildMemory({
      id: "n",
      owner: "relationship",
      facts: "The user's name is Ana.",
      strength: 70,
    });
    const sailing = buildMemory({
      id: "s",
      owner: "relationship",
      facts: "The user loves sailing.",
      strength: 65,
    });
    expect(render([name, sailing], "Do you remember my name?")).toEqual([
      "About the user: The user's name is Ana.",
      "About the user: The user loves sailing.",
    ]);
  });
});

describe("isPressingOn", () => {
  const memory = buildMemory({
    type: "repressed",
    facts: "The car accident on the coast road",
    emotion_tags: [],
  });

  it("needs two shared words, or one while asking", () => {
    expect(isPressingOn(memory, "I drove to the coast today")).toBe(false);
    expect(isPressingOn(memory, "I saw an accident on the coast road")).toBe(true);
    expect(isPressingOn(memory, "Were you ever in an accident?")).toBe(true);
    expect(isPressingOn(memory, "I like cars")).toBe(false);
  });
});
