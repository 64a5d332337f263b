import { describe, expect, it } from "vitest";
import type { MemoryDraft } from "./memory.ts";
import { buildMemory } from "./memory-factory.ts";
import { parseFactSlot, reconcileMemories } from "./memory-reconciliation.ts";
import { extractMemoriesByRules, reconcileMemories as reexported } from "./offline-extraction.ts";

const candidate = (facts: string, fields: Partial<MemoryDraft> = {}): MemoryDraft => ({
  facts,
  feelings: "",
  emotion_tags: [],
  interpretation: "",
  type: "normal",
  strength: 65,
  event_time: null,
  sequence: null,
  revises: null,
  metadata: { rule: "like" },
  ...fields,
});

const stored = (id: string, facts: string, fields: Parameters<typeof buildMemory>[0] = {}) =>
  buildMemory({ id, facts, owner: "relationship", user_id: "user-1", strength: 60, ...fields });

describe("parseFactSlot", () => {
  it("understands names, nicknames and preferences", () => {
    expect(parseFactSlot("The user's name is Ana.")).toEqual({ key: "name", value: "ana" });
    expect(parseFactSlot("The user likes to be called Annie.")).toEqual({ key: "called", value: "annie" });
    expect(parseFactSlot("The user loves sailing.")).toEqual({ key: "preference:sailing", value: "like" });
    expect(parseFactSlot("The user can't stand sailing.")).toEqual({
      key: "preference:sailing",
      value: "dislike",
    });
    expect(parseFactSlot("On 2024-05-01 the user moved to Porto.")).toBeNull();
  });
});

describe("reconcileMemories", () => {
  it("is what offline-extraction exports", () => {
    expect(reexported).toBe(reconcileMemories);
  });

  it("creates what is new", () => {
    const result = reconcileMemories({ existing: [], candidates: [candidate("The user loves sailing.")] });
    expect(result.create.map((draft) => draft.facts)).toEqual(["The user loves sailing."]);
    expect(result.reinforce).toEqual([]);
    expect(result.revise).toEqual([]);
  });

  it("reinforces an exact or near duplicate instead of creating it", () => {
    const existing = [
      stored("sailing", "The user loves sailing."),
      stored("porto", "On 2024-05-01 the user moved to Porto with their two dogs and their cat.", {
        event_time: "2024-05-01T00:00:00.000Z",
      }),
    ];
    const result = reconcileMemories({
      existing,
      candidates: [
        candidate("the user LOVES sailing"),
        candidate("On 2024-05-01 the user moved to Porto with their two dogs and a cat.", {
          event_time: "2024-05-01T00:00:00.000Z",
        }),
      ],
    });
    expect(result.create).toEqual([]);
    expect(result.reinforce).toEqual([
      { id: "sailing", strength: 70 },
      { id: "porto", strength: 70 },
    ]);
  });

  it("treats the same preference in other words as a duplicate, capped at 100", () => {
    const result = reconcileMemories({
      existing: [stored("sailing", "The user loves sailing.", { strength: 95 })],
      candidates: [candidate("The user enjoys sailing."), candidate("The user likes sailing.")],
    });
    expect(result.reinforce).toEqual([{ id: "sailing", strength: 100 }]);
  });

  it("keeps similar sentences about different days apart", () => {
    const result = reconcileMemories({
      existing: [
        stored("may", "On 2024-05-01 the user moved to Porto.", { event_time: "2024-05-01T00:00:00.000Z" }),
      ],
      candidates: [
        candidate("On 2024-06-01 the user moved to Porto.", { event_time: "2024-06-01T00:00:00.000Z" }),
      ],
    });
    expect(result.create).toHaveLength(1);
    expect(result.reinforce).toEqual([]);
  });

  it("turns like versus dislike of the same thing into a linked revision, deleting nothing", () => {
    const original = stored("sailing", "The user loves sailing.");
    const result = reconcileMemories({
      existing: [original],
      candidates: [candidate("The user hates sailing.", { metadata: { rule: "dislike" } })],
    });
    expect(result.create).toEqual([]);
    expect(result.revise).toEqual([
      {
        original,
        revision: candidate("The user hates sailing.", {
          type: "revised",
          revises: "sailing",
          metadata: { rule: "dislike", revision_reason: "contradiction" },
        }),
      },
    ]);
  });

  it("revises a different name", () => {
    const original = stored("name", "The user's name is Ana.");
    const result = reconcileMemories({
      existing: [original],
      candidates: [candidate("The user's name is Bea.")],
    });
    expect(result.revise[0]?.original.id).toBe("name");
    expect(result.revise[0]?.revision).toMatchObject({ type: "revised", revises: "name" });
  });

  it("compares with what is currently believed, so revisions chain", () => {
    const ana = stored("ana", "The user's name is Ana.", { updated_at: "2024-01-01T00:00:00.000Z" });
    const bea = stored("bea", "The user's name is Bea.", {
      type: "revised",
      revises: "ana",
      updated_at: "2024-02-01T00:00:00.000Z",
    });
    const backToAna = reconcileMemories({
      existing: [ana, bea],
      candidates: [candidate("The user's name is Ana.")],
    });
    expect(backToAna.reinforce).toEqual([]);
    expect(backToAna.revise.map((entry) => [entry.original.id, entry.revision.revises])).toEqual([
      ["bea", "bea"],
    ]);

    const stillBea = reconcileMemories({
      existing: [ana, bea],
      candidates: [candidate("The user's name is Bea.")],
    });
    expect(stillBea.reinforce).toEqual([{ id: "bea", strength: 70 }]);
  });

  it("creates a repeated candidate once", () => {
    const result = reconcileMemories({
      existing: [],
      candidates: [candidate("The user loves chess.", { strength: 60 }), candidate("The user loves chess.")],
    });
    expect(result.create).toHaveLength(1);
    expect(result.create[0]?.strength).toBe(65);
  });

  it("remembers 'my name is Ana and I love sailing' once, then reinforces it", () => {
    const now = new Date("2024-06-01T00:00:00.000Z");
    const first = extractMemoriesByRules({ userMessage: "my name is Ana and I love sailing", now });
    const created = reconcileMemories({ existing: [], candidates: first }).create;
    expect(created.map((draft) => draft.facts)).toEqual([
      "The user's name is Ana.",
      "The user loves sailing.",
    ]);
    const existing = created.map((draft, index) =>
      stored(`m${index}`, draft.facts, { strength: draft.strength }),
    );
    const again = extractMemoriesByRules({ userMessage: "I'm Ana. I really love sailing!", now });
    const result = reconcileMemories({ existing, candidates: again });
    expect(result.create).toEqual([]);
    expect(result.reinforce).toEqual([
      { id: "m0", strength: 80 },
      { id: "m1", strength: 78 },
    ]);
  });
});
