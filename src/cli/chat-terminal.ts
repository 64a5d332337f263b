/** Output with colours only on a terminal (and without NO_COLOR), so pipes get plain lines. */
export interface ChatTerminal {
  write(text: string): void;
  /** Writes a whole line, first ending a reply that is still on the current line. */
  line(text: string): void;
  /** Ends the current line unless it is empty. */
  endLine(): void;
  /** Adds to the current line, one space after what is already there. */
  append(text: string): void;
  speaker(name: string): string;
  hint(text: string): string;
  error(text: string): string;
}

/**
 * The chat's output, which remembers where the cursor is so a reply cut short still ends its line.
 *
 * @example const terminal = createChatTerminal({ output: process.stdout, environment: process.env });
 */
export function createChatTerminal(options: {
  output: NodeJS.WritableStream;
  /** Read for NO_COLOR. */
  environment: Record<string, string | undefined>;
}): ChatTerminal {
  const colors = Boolean((options.output as { isTTY?: boolean }).isTTY) && !options.environment.NO_COLOR;
  const paint = (code: string) => (text: string) => (colors ? `\u001b[${code}m${text}\u001b[0m` : text);
  let atLineStart = true;
  let afterSpace = true;
  const write = (text: string) => {
    if (text === "") return;
    options.output.write(text);
    atLineStart = text.endsWith("\n");
    afterSpace = /\s$/.test(text);
  };
  return {
    write,
    line: (text) => write(`${atLineStart ? "" : "\n"}${text}\n`),
    endLine: () => write(atLineStart ? "" : "\n"),
    append: (text) => write(`${afterSpace ? "" : " "}${text}`),
    speaker: paint("1;36"),
    hint: paint("2"),
    error: paint("31"),
  };
}
