/**
 * Finds when something happened in a sentence: explicit dates ("2024-05-01", "May 1, 2024",
 * "1 May 2024", "in March 2020", "in 2019") and dates relative to a given `now` ("yesterday",
 * "last week", "three days ago"). Pure: `now` is passed in, never read from the clock.
 */

/** How precisely a phrase names its date; decides how the date is written back into a memory. */
export type DatePrecision = "day" | "month" | "year";

export interface DatePhrase {
  /** The start of the named day, month or year, UTC. */
  date: Date;
  precision: DatePrecision;
  /** Where the phrase (with its preposition, e.g. "on") sits in the text: [start, end). */
  start: number;
  end: number;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const MONTH_PATTERN = `(${MONTHS.join("|")}|${MONTHS.map((month) => month.slice(0, 3)).join("|")})\\.?`;
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};
const PREPOSITION = String.raw`(?:\b(?:on|in|back in|since|during)\s+)?`;
const ORDINAL = String.raw`(\d{1,2})(?:st|nd|rd|th)?`;
const MILLISECONDS_PER_DAY = 86_400_000;

/** A date from its parts, or null when they do not name a real day (2024-02-30). */
function buildDate(year: number, monthIndex: number, day: number): Date | null {
  const date = new Date(Date.UTC(year, monthIndex, day));
  const valid =
    date.getUTCFullYear() === year && date.getUTCMonth() === monthIndex && date.getUTCDate() === day;
  return valid ? date : null;
}

function monthIndexOf(name: string): number {
  return MONTHS.findIndex((month) => month.startsWith(name.toLowerCase().slice(0, 3)));
}

function startOfDay(now: Date, daysBack: number): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - daysBack * MILLISECONDS_PER_DAY);
}

/** One way of writing a date: a pattern and how its match becomes a date. */
interface DateRule {
  pattern: RegExp;
  resolve: (match: RegExpExecArray, now: Date) => { date: Date | null; precision: DatePrecision };
}

const UNITS_AGO = String.raw`\b(\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(day|week|month|year)s?\s+ago\b`;

function resolveUnitsAgo(match: RegExpExecArray, now: Date): { date: Date; precision: DatePrecision } {
  const count = NUMBER_WORDS[(match[1] as string).toLowerCase()] ?? Number(match[1]);
  const unit = (match[2] as string).toLowerCase();
  if (unit === "day") return { date: startOfDay(now, count), precision: "day" };
  if (unit === "week") return { date: startOfDay(now, count * 7), precision: "day" };
  if (unit === "month") {
    return {
      date: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - count, 1)),
      precision: "month",
    };
  }
  return { date: new Date(Date.UTC(now.getUTCFullYear() - count, 0, 1)), precision: "year" };
}

const RELATIVE_DAYS: Record<string, number> = {
  today: 0,
  tonight: 0,
  "this morning": 0,
  "this afternoon": 0,
  "this evening": 0,
  yesterday: 1,
  "last night": 1,
  "the day before yesterday": 2,
  "last week": 7,
};

/** Tried in order: the most specific ways of writing a date first. */
const DATE_RULES: DateRule[] = [
  {
    pattern: new RegExp(String.raw`${PREPOSITION}\b(\d{4})-(\d{2})-(\d{2})\b`, "i"),
    resolve: (match) => ({
      date: buildDate(Number(match[1]), Number(match[2]) - 1, Number(match[3])),
      precision: "day",
    }),
  },
  {
    pattern: new RegExp(String.raw`${PREPOSITION}\b${MONTH_PATTERN}\s+${ORDINAL},?\s+(\d{4})\b`, "i"),
    resolve: (match) => ({
      date: buildDate(Number(match[3]), monthIndexOf(match[1] as string), Number(match[2])),
      precision: "day",
    }),
  },
  {
    pattern: new RegExp(
      String.raw`${PREPOSITION}(?:the\s+)?\b${ORDINAL}\s+(?:of\s+)?${MONTH_PATTERN},?\s+(\d{4})\b`,
      "i",
    ),
    resolve: (match) => ({
      date: buildDate(Number(match[3]), monthIndexOf(match[2] as string), Number(match[1])),
      precision: "day",
    }),
  },
  {
    pattern: new RegExp(String.raw`${PREPOSITION}\b${MONTH_PATTERN}\s+(\d{4})\b`, "i"),
    resolve: (match) => ({
      date: buildDate(Number(match[2]), monthIndexOf(match[1] as string), 1),
      precision: "month",
    }),
  },
  {
    pattern: new RegExp(`\\b(${Object.keys(RELATIVE_DAYS).join("|")})\\b`, "i"),
    resolve: (match, now) => ({
      date: startOfDay(now, RELATIVE_DAYS[(match[1] as string).toLowerCase()] ?? 0),
      precision: "day",
    }),
  },
  {
    pattern: /\blast\s+(month|year)\b/i,
    resolve: (match, now) =>
      (match[1] as string).toLowerCase() === "month"
        ? { date: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)), precision: "month" }
        : { date: new Date(Date.UTC(now.getUTCFullYear() - 1, 0, 1)), precision: "year" },
  },
  { pattern: new RegExp(UNITS_AGO, "i"), resolve: resolveUnitsAgo },
  {
    // Only with "in": a bare four-digit number is as likely a count or a price as a year.
    pattern: /\b(?:back\s+)?in\s+((?:19|20)\d{2})\b/i,
    resolve: (match) => ({ date: buildDate(Number(match[1]), 0, 1), precision: "year" }),
  },
];

/**
 * The first date the text names, with where it sits; null when it names none.
 *
 * @example findDatePhrase("I moved to Porto on 2024-05-01", new Date())
 * // { date: 2024-05-01T00:00:00.000Z, precision: "day", start: 17, end: 30 }
 */
export function findDatePhrase(text: string, now: Date): DatePhrase | null {
  for (const rule of DATE_RULES) {
    const match = rule.pattern.exec(text);
    if (!match) continue;
    const { date, precision } = rule.resolve(match, now);
    if (date === null) continue;
    return { date, precision, start: match.index, end: match.index + match[0].length };
  }
  return null;
}

/**
 * How a memory states the date: "On 2024-05-01", "In April 2024" or "In 2023".
 *
 * @example describeEventDate({ date: new Date("2024-04-01T00:00:00Z"), precision: "month" }) // "In April 2024"
 */
export function describeEventDate(phrase: Pick<DatePhrase, "date" | "precision">): string {
  const iso = phrase.date.toISOString();
  if (phrase.precision === "day") return `On ${iso.slice(0, 10)}`;
  if (phrase.precision === "year") return `In ${iso.slice(0, 4)}`;
  const month = MONTHS[phrase.date.getUTCMonth()] as string;
  return `In ${month.charAt(0).toUpperCase()}${month.slice(1)} ${iso.slice(0, 4)}`;
}
