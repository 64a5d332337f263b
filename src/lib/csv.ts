/**
 * CSV fields and rows (RFC 4180: comma-separated, CRLF line ends, quotes doubled inside quoted fields),
 * safe to open in a spreadsheet: text that would start a formula gets a leading apostrophe.
 */

/** Characters that make a spreadsheet read a cell as a formula (CWE-1236). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field. null and undefined are empty; numbers, bigints and booleans are written as text;
 * dates as ISO 8601; other objects and arrays as JSON. Text starting with =, +, -, @, tab or CR is
 * prefixed with an apostrophe so spreadsheets do not run it (numbers are never changed: -3 stays -3).
 *
 * @example csvField('say "hi", then =SUM(A1)') // '"say ""hi"", then =SUM(A1)"'
 * @example csvField("=SUM(A1:A9)") // "'=SUM(A1:A9)"
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  let text: string;
  if (typeof value === "string") text = FORMULA_START.test(value) ? `'${value}` : value;
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? "" : value.toISOString();
  else text = JSON.stringify(value) ?? "";
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One CSV record: the fields joined with commas, ending in CRLF.
 *
 * @example csvRow(["run_1", 4, null, { a: 1 }]) // 'run_1,4,,"{""a"":1}"\r\n'
 */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
