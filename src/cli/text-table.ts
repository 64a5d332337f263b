/** Aligned columns, two spaces apart, with a header line. */
export function formatTable(columns: string[], rows: string[][]): string[] {
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns), ...rows.map(line)];
}
