import { describe, expect, it } from "vitest";
import { decodeSillyTavernChat, encodeSillyTavernChat, readSillyTavernDate } from "./sillytavern-chat.ts";
import { TranscriptFormatError, type Transcript } from "./transcript.ts";

const NOW = "2026-01-01T00:00:00.000Z";

const transcript: Transcript = {
  title: "Maps of Lisbon",
  channel: "web",
  created_at: "2024-06-10T15:45:30.000Z",
  persona: { id: "psn_1", name: "Mira" },
  user_name: "Ana",
  messages: [
    {
      role: "assistant",
      user_persona: null,
      alternatives: [
        {
          content: "Ahoy!",
          status: "complete",
          model: null,
          created_at: "2024-06-10T15:45:00.000Z",
          edited_at: null,
        },
      ],
      chosen: 0,
    },
    {
      role: "user",
      user_persona: null,
      alternatives: [
        {
          content: "Hi",
          status: "complete",
          model: null,
          created_at: "2024-06-10T15:46:00.000Z",
          edited_at: null,
        },
      ],
      chosen: 0,
    },
    {
      role: "assistant",
      user_persona: null,
      alternatives: [
        {
          content: "One",
          status: "complete",
          model: "m/1",
          created_at: "2024-06-10T15:47:00.000Z",
          edited_at: null,
        },
        {
          content: "Two",
          status: "complete",
          model: "m/2",
          created_at: "2024-06-10T15:48:00.000Z",
          edited_at: null,
        },
      ],
      chosen: 1,
    },
  ],
};

describe("SillyTavern chat files", () => {
  it("writes the header and one line per message, swipes and swipe_id for alternatives", () => {
    const lines = encodeSillyTavernChat(transcript)
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({
      user_name: "Ana",
      character_name: "Mira",
      create_date: "2024-06-10@15h45m30s",
      chat_metadata: { dramatis: { title: "Maps of Lisbon" } },
    });
    expect(lines[3]).toMatchObject({
      name: "Mira",
      is_user: false,
      is_system: false,
      send_date: "June 10, 2024 3:48pm",
      mes: "Two",
      swipes: ["One", "Two"],
      swipe_id: 1,
      extra: { model: "m/2" },
    });
    expect(lines[2]).toMatchObject({ name: "Ana", is_user: true, mes: "Hi", extra: {} });
  });

  it("reads back what it writes", () => {
    const { transcript: read, warnings } = decodeSillyTavernChat(encodeSillyTavernChat(transcript), {
      now: NOW,
    });
    expect(warnings).toEqual([]);
    expect(read).toEqual({ ...transcript, persona: { id: null, name: "Mira" } });
  });

  it("reads SillyTavern's date forms, and gives null for nonsense", () => {
    expect(readSillyTavernDate("June 10, 2024 3:45pm")).toBe("2024-06-10T15:45:00.000Z");
    expect(readSillyTavernDate("2024-6-1@9h5m3s")).toBe("2024-06-01T09:05:03.000Z");
    expect(readSillyTavernDate(1718034300000)).toBe("2024-06-10T15:45:00.000Z");
    expect(readSillyTavernDate("2024-06-10T15:45:00Z")).toBe("2024-06-10T15:45:00.000Z");
    expect(readSillyTavernDate("yesterday")).toBeNull();
  });

  it("leaves system lines out with a warning and names the line of a wrong field", () => {
    const header = JSON.stringify({
      user_name: "Ana",
      character_name: "Mira",
      create_date: "x",
      chat_metadata: {},
    });
    const system = JSON.stringify({ name: "System", is_user: false, is_system: true, mes: "note" });
    const { transcript: read, warnings } = decodeSillyTavernChat([header, system].join("\n"), { now: NOW });
    expect(read.messages).toEqual([]);
    expect(read.created_at).toBe(NOW);
    expect(warnings).toEqual(["line 2: a system message (is_system) was left out"]);
    const wrong = JSON.stringify({ name: "Mira", mes: "Hi", swipes: ["Hi", 3] });
    try {
      decodeSillyTavernChat([header, system, wrong].join("\n"), { now: NOW });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TranscriptFormatError);
      expect((error as TranscriptFormatError).problems).toEqual([
        { field: "line 3: swipes", message: "must be an array of strings" },
      ]);
    }
  });
});
