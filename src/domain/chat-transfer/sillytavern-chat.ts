import { DateTime } from "luxon";
import { parseBoundedJson } from "../../lib/bounded-json.ts";
import {
  TRANSCRIPT_LIMITS,
  TranscriptFormatError,
  type Transcript,
  type TranscriptAlternative,
  type TranscriptMessage,
} from "./transcript.ts";

/*
 * SillyTavern's chat file (.jsonl): a header line
 *   {"user_name","character_name","create_date","chat_metadata":{…}}
 * then one line per message
 *   {"name","is_user","is_system","send_date","mes","swipes":[…],"swipe_id":n,"swipe_info":[…],"extra":{…}}
 * `mes` is the text shown, `swipes` every alternative and `swipe_id` the one shown. Dates are display
 * strings (`June 10, 2024 3:45pm`, moment's "MMMM D, YYYY h:mma"; the header's `2024-06-10@15h45m30s`);
 * older files hold epoch milliseconds. Keys SillyTavern does not know survive its round trips, so the
 * title travels in `chat_metadata.dramatis`.
 */

const SEND_DATE_FORMAT = "LLLL d, yyyy h:mma";

/** moment's "MMMM D, YYYY h:mma" (what SillyTavern writes), in UTC. */
function toSendDate(iso: string): string {
  const formatted = DateTime.fromISO(iso, { zone: "utc" }).setLocale("en-US").toFormat(SEND_DATE_FORMAT);
  return formatted.replace(/(AM|PM)$/, (meridiem) => meridiem.toLowerCase());
}

/** SillyTavern's humanizedDateTime: `2024-06-10@15h45m30s`, in UTC. */
function toCreateDate(iso: string): string {
  return DateTime.fromISO(iso, { zone: "utc" }).toFormat("yyyy-MM-dd@HH'h'mm'm'ss's'");
}

/** A SillyTavern date (display string, header string, ISO or epoch ms) as ISO, or null if unreadable. */
export function readSillyTavernDate(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) {
    const date = DateTime.fromMillis(value, { zone: "utc" });
    return date.isValid ? date.toISO() : null;
  }
  if (typeof value !== "string" || !value.trim()) return null;
  const text = value.trim();
  const header = /^(\d{4})-(\d{1,2})-(\d{1,2})@(\d{1,2})h(\d{1,2})m(\d{1,2})s/.exec(text);
  if (header) {
    const [year, month, day, hour, minute, second] = header.slice(1).map(Number);
    const date = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: "utc" });
    return date.isValid ? date.toISO() : null;
  }
  for (const candidate of [
    DateTime.fromFormat(
      text.replace(/(am|pm)$/i, (meridiem) => meridiem.toUpperCase()),
      SEND_DATE_FORMAT,
      {
        zone: "utc",
        locale: "en-US",
      },
    ),
    DateTime.fromISO(text, { zone: "utc" }),
  ]) {
    if (candidate.isValid) return candidate.toUTC().toISO();
  }
  return null;
}

/** The chat as SillyTavern's JSONL: header line, then one line per message, each line ending in "\n". */
export function encodeSillyTavernChat(transcript: Transcript): string {
  const header = {
    user_name: transcript.user_name,
    character_name: transcript.persona.name,
    create_date: toCreateDate(transcript.created_at),
    chat_metadata: { dramatis: { title: transcript.title } },
  };
  const lines = transcript.messages.map((message) => {
    const shown = message.alternatives[message.chosen] ?? message.alternatives[0]!;
    const isUser = message.role === "user";
    return {
      name: isUser ? transcript.user_name : transcript.persona.name,
      is_user: isUser,
      is_system: false,
      send_date: toSendDate(shown.created_at),
      mes: shown.content,
      swipes: message.alternatives.map((alternative) => alternative.content),
      swipe_id: message.chosen,
      swipe_info: message.alternatives.map((alternative) => ({
        send_date: toSendDate(alternative.created_at),
        extra: alternative.model ? { model: alternative.model } : {},
      })),
      extra: shown.model ? { model: shown.model } : {},
    };
  });
  return [header, ...lines].map((line) => `${JSON.stringify(line)}\n`).join("");
}

/** Whether `text` looks like a SillyTavern chat: its first line a JSON object with the header's keys. */
export function isSillyTavernChat(text: string): boolean {
  const firstLine = text.trimStart().split("\n", 1)[0] ?? "";
  if (!firstLine.startsWith("{")) return false;
  try {
    const header = JSON.parse(firstLine) as Record<string, unknown>;
    return (
      typeof header === "object" &&
      header !== null &&
      ("character_name" in header || "user_name" in header || "chat_metadata" in header)
    );
  } catch {
    return false;
  }
}

type Problem = { field: string; message: string };

function problemAt(line: number, field: string, message: string): Problem {
  return { field: `line ${line}${field ? `: ${field}` : ""}`, message };
}

function readString(value: unknown, fallback: string): string {
  return typeof value === "string" && value.trim() ? value : fallback;
}

/**
 * Reads a SillyTavern chat. System lines (`is_system`: notes SillyTavern hides from the model) are left
 * out with a warning; everything wrong is a TranscriptFormatError naming the line and field.
 *
 * @example decodeSillyTavernChat(text, { now: "2026-01-01T00:00:00.000Z" }).transcript.messages.length
 */
export function decodeSillyTavernChat(
  text: string,
  options: { now: string },
): { transcript: Transcript; warnings: string[] } {
  const lines = text.split(/\r?\n/);
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const parsedLines: { line: number; value: Record<string, unknown> }[] = [];
  lines.forEach((raw, index) => {
    if (!raw.trim() || problems.length >= 20) return;
    try {
      const value = parseBoundedJson(raw, { maxDepth: 16 });
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(problemAt(index + 1, "", "must be a JSON object"));
        return;
      }
      parsedLines.push({ line: index + 1, value: value as Record<string, unknown> });
    } catch (error) {
      problems.push(problemAt(index + 1, "", `not valid JSON (${(error as Error).message.slice(0, 120)})`));
    }
  });
  if (problems.length) throw new TranscriptFormatError(problems);
  const [headerLine, ...messageLines] = parsedLines;
  if (!headerLine || "mes" in headerLine.value) {
    throw new TranscriptFormatError([
      problemAt(
        headerLine?.line ?? 1,
        "",
        "a SillyTavern chat starts with its header {user_name, character_name, create_date, chat_metadata}",
      ),
    ]);
  }
  if (messageLines.length > TRANSCRIPT_LIMITS.messages) {
    throw new TranscriptFormatError([
      problemAt(
        messageLines[TRANSCRIPT_LIMITS.messages]!.line,
        "",
        `a chat may hold at most ${TRANSCRIPT_LIMITS.messages} messages`,
      ),
    ]);
  }
  const header = headerLine.value;
  const createdAt = readSillyTavernDate(header.create_date) ?? options.now;
  const metadata = (header.chat_metadata ?? {}) as { dramatis?: { title?: unknown } };
  const characterName = readString(header.character_name, "Character");
  const messages: TranscriptMessage[] = [];
  let previousDate = createdAt;
  for (const { line, value } of messageLines) {
    const message = readMessage(line, value, previousDate, problems);
    if (problems.length >= 20) break;
    if (message === "system") {
      warnings.push(`line ${line}: a system message (is_system) was left out`);
      continue;
    }
    if (message) {
      messages.push(message);
      previousDate = message.alternatives[message.chosen]!.created_at;
    }
  }
  if (problems.length) throw new TranscriptFormatError(problems);
  const title = readString(metadata.dramatis?.title, `Chat with ${characterName}`).slice(
    0,
    TRANSCRIPT_LIMITS.titleLength,
  );
  return {
    transcript: {
      title,
      channel: "web",
      created_at: createdAt,
      persona: { id: null, name: characterName },
      user_name: readString(header.user_name, "User"),
      messages,
    },
    warnings,
  };
}

function readMessage(
  line: number,
  value: Record<string, unknown>,
  previousDate: string,
  problems: Problem[],
): TranscriptMessage | "system" | null {
  const fail = (field: string, message: string) => {
    problems.push(problemAt(line, field, message));
    return null;
  };
  if (typeof value.mes !== "string") return fail("mes", "must be a string (the message's text)");
  if (value.is_user !== undefined && typeof value.is_user !== "boolean")
    return fail("is_user", "must be true or false");
  if (value.is_system === true) return "system";
  const role = value.is_user === true ? "user" : "assistant";
  const sentAt = readSillyTavernDate(value.send_date) ?? previousDate;
  const extra = (typeof value.extra === "object" && value.extra !== null ? value.extra : {}) as {
    model?: unknown;
  };
  const shownModel =
    role === "assistant" && typeof extra.model === "string" ? extra.model.slice(0, 200) : null;
  let swipes: string[] = [value.mes];
  let chosen = 0;
  if (value.swipes !== undefined && role === "assistant") {
    if (!Array.isArray(value.swipes) || value.swipes.some((swipe) => typeof swipe !== "string")) {
      return fail("swipes", "must be an array of strings");
    }
    if (value.swipes.length > TRANSCRIPT_LIMITS.alternativesPerMessage) {
      return fail("swipes", `at most ${TRANSCRIPT_LIMITS.alternativesPerMessage} swipes per message`);
    }
    if (value.swipes.length > 0) {
      const swipeId = value.swipe_id ?? 0;
      if (
        typeof swipeId !== "number" ||
        !Number.isInteger(swipeId) ||
        swipeId < 0 ||
        swipeId >= value.swipes.length
      ) {
        return fail("swipe_id", `must be an index into swipes (0 to ${value.swipes.length - 1})`);
      }
      swipes = [...(value.swipes as string[])];
      chosen = swipeId;
      // `mes` is what SillyTavern shows: it wins over a stale copy in swipes.
      swipes[chosen] = value.mes;
    }
  }
  const tooLong = swipes.findIndex((swipe) => swipe.length > TRANSCRIPT_LIMITS.contentLength);
  if (tooLong !== -1) {
    return fail(
      tooLong === chosen ? "mes" : `swipes[${tooLong}]`,
      `at most ${TRANSCRIPT_LIMITS.contentLength} characters`,
    );
  }
  const swipeInfo = Array.isArray(value.swipe_info) ? (value.swipe_info as unknown[]) : [];
  const alternatives: TranscriptAlternative[] = swipes.map((content, index) => {
    const info = (
      typeof swipeInfo[index] === "object" && swipeInfo[index] !== null ? swipeInfo[index] : {}
    ) as {
      send_date?: unknown;
      extra?: { model?: unknown };
    };
    const model =
      index === chosen
        ? shownModel
        : role === "assistant" && typeof info.extra?.model === "string"
          ? info.extra.model.slice(0, 200)
          : null;
    return {
      content,
      status: "complete",
      model,
      created_at: index === chosen ? sentAt : (readSillyTavernDate(info.send_date) ?? sentAt),
      edited_at: null,
    };
  });
  return { role, user_persona: null, alternatives, chosen };
}
