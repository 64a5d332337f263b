import { describe, expect, it } from "vitest";
import { checkTimelineConsistency } from "./consistency-checks.ts";
import { buildMemory } from "./memory-factory.ts";

const event = (id: string, sequence: number, eventTime: string | null, facts = `Event ${id}.`) =>
  buildMemory({ id, sequence, event_time: eventTime, facts });

describe("checkTimelineConsistency", () => {
  it("finds nothing wrong with a sound timeline", () => {
    const memories = [
      event("a", 1, "1990-01-01T00:00:00.000Z"),
      event("b", 2, "1995-06-01T00:00:00.000Z"),
      event("c", 3, "1995-06-01T00:00:00.000Z"),
      event("d", 4, null),
      event("e", 5, "2001-03-01T00:00:00.000Z"),
    ];
    expect(checkTimelineConsistency(memories)).toEqual([]);
    expect(checkTimelineConsistency([])).toEqual([]);
  });

  it("reports sequence gaps, citing the memories around each", () => {
    const findings = checkTimelineConsistency([
      event("c", 3, null),
      event("d", 4, null),
      event("g", 7, null),
    ]);
    expect(findings).toEqual([
      { kind: "sequence_gap", message: "Timeline sequence 1-2 are missing", memory_ids: ["c"] },
      { kind: "sequence_gap", message: "Timeline sequence 5-6 are missing", memory_ids: ["d", "g"] },
    ]);
  });

  it("ignores relationship memories and memories without a sequence for gaps, per persona", () => {
    const memories = [
      event("a", 1, null),
      buildMemory({ id: "r", owner: "relationship", user_id: "u", sequence: 5 }),
      buildMemory({ id: "loose", sequence: null }),
      buildMemory({ id: "other", persona_id: "persona-2", sequence: 1 }),
      event("b", 2, null),
    ];
    expect(checkTimelineConsistency(memories)).toEqual([]);
  });

  it("reports event times going backwards against the stated order, citing both", () => {
    const findings = checkTimelineConsistency([
      event("a", 1, "1990-01-01T00:00:00.000Z"),
      event("c", 3, "1985-01-01T00:00:00.000Z"),
      event("b", 2, "2000-01-01T00:00:00.000Z"),
    ]);
    expect(findings).toEqual([
      {
        kind: "time_order",
        message:
          "Memory 3 happens at 1985-01-01T00:00:00.000Z, before memory 2 at 2000-01-01T00:00:00.000Z, " +
          "although it comes after it in the timeline",
        memory_ids: ["b", "c"],
      },
    ]);
  });

  it("reports revisions pointing nowhere, at another owner, or with the wrong type", () => {
    const original = buildMemory({ id: "original" });
    const otherPersona = buildMemory({ id: "foreign", persona_id: "persona-2" });
    const findings = checkTimelineConsistency([
      original,
      otherPersona,
      buildMemory({ id: "dangling", type: "revised", revises: "gone" }),
      buildMemory({ id: "cross", type: "revised", revises: "foreign" }),
      buildMemory({
        id: "relationship",
        type: "revised",
        revises: "original",
        owner: "relationship",
        user_id: "u",
      }),
      buildMemory({ id: "untyped", type: "normal", revises: "original" }),
      buildMemory({ id: "unlinked", type: "revised", revises: null }),
      buildMemory({ id: "fine", type: "revised", revises: "original" }),
    ]);
    expect(findings.map((finding) => [finding.kind, finding.memory_ids])).toEqual([
      ["broken_revision", ["dangling"]],
      ["broken_revision", ["cross", "foreign"]],
      ["broken_revision", ["relationship", "original"]],
      ["broken_revision", ["untyped"]],
      ["broken_revision", ["unlinked"]],
    ]);
    expect(findings[0]?.message).toBe("Memory dangling revises gone, which does not exist");
  });

  it("reports each revision cycle once", () => {
    const findings = checkTimelineConsistency([
      buildMemory({ id: "a", type: "revised", revises: "b" }),
      buildMemory({ id: "b", type: "revised", revises: "c" }),
      buildMemory({ id: "c", type: "revised", revises: "b" }),
      buildMemory({ id: "self", type: "revised", revises: "self" }),
    ]);
    expect(findings).toEqual([
      {
        kind: "broken_revision",
        message: "Revision chain loops back on itself: b -> c -> b",
        memory_ids: ["b", "c"],
      },
      {
        kind: "broken_revision",
        message: "Revision chain loops back on itself: self -> self",
        memory_ids: ["self"],
      },
    ]);
  });

  it("reports the same event recorded twice on the same day", () => {
    const findings = checkTimelineConsistency([
      event("a", 1, "2010-05-01T08:00:00.000Z", "You moved to Porto."),
      event("b", 2, "2010-05-01T20:00:00.000Z", "you moved to  porto"),
      event("c", 3, "2010-05-02T00:00:00.000Z", "You moved to Porto."),
      buildMemory({ id: "undated", facts: "You moved to Porto." }),
    ]);
    expect(findings).toEqual([
      {
        kind: "duplicate_event",
        message: "The same event on 2010-05-01 is recorded 2 times",
        memory_ids: ["a", "b"],
      },
    ]);
  });

  it("does not call the same words from two owners a duplicate", () => {
    const findings = checkTimelineConsistency([
      buildMemory({ id: "mine", event_time: "2010-05-01T00:00:00.000Z" }),
      buildMemory({
        id: "theirs",
        owner: "relationship",
        user_id: "u",
        event_time: "2010-05-01T00:00:00.000Z",
      }),
    ]);
    expect(findings).toEqual([]);
  });
});
