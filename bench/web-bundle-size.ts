/**
 * `npm run bench:web`: how much JavaScript the web app's first load costs on the wire. Reads the built
 * index.html (web/dist; run `npm run build:web` first), follows what it loads before any screen renders
 * (the entry <script type="module"> and every <link rel="modulepreload">), and sums the sizes of the
 * brotli twins the build wrote (the server sends those to every browser that accepts br). Also lists
 * every chunk, and writes the table to bench/results/web-bundle-size.md. A measurement, not a test.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

const PROJECT_DIRECTORY = path.resolve(import.meta.dirname, "..");
const DIST_DIRECTORY = path.join(PROJECT_DIRECTORY, "web", "dist");
const RESULTS_FILE = path.join(PROJECT_DIRECTORY, "bench", "results", "web-bundle-size.md");
/** The budget issue 13 set for the first load's compressed JavaScript. */
const FIRST_LOAD_BUDGET_BYTES = 200 * 1024;

interface ChunkSize {
  file: string;
  raw: number;
  brotli: number;
  gzip: number;
}

/** The scripts index.html makes the browser fetch before the app renders anything. */
function initialScripts(indexHtml: string): string[] {
  const entries = [...indexHtml.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((match) => match[1]!);
  const preloads = [...indexHtml.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)].map(
    (match) => match[1]!,
  );
  return [...new Set([...entries, ...preloads])].filter((url) => url.endsWith(".js"));
}

function sizeOf(file: string): ChunkSize {
  const content = fs.readFileSync(file);
  // The twin the build wrote is what is served; a file too small to get one goes out as it is.
  const twin = (suffix: string, compress: (bytes: Buffer) => Buffer) =>
    fs.existsSync(file + suffix)
      ? fs.statSync(file + suffix).size
      : Math.min(content.length, compress(content).length);
  return {
    file: path.relative(DIST_DIRECTORY, file),
    raw: content.length,
    brotli: twin(".br", (bytes) => zlib.brotliCompressSync(bytes)),
    gzip: twin(".gz", (bytes) => zlib.gzipSync(bytes, { level: 9 })),
  };
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function table(rows: ChunkSize[]): string[] {
  return [
    "| file | raw | brotli | gzip |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map(
      (row) => `| ${row.file} | ${kilobytes(row.raw)} | ${kilobytes(row.brotli)} | ${kilobytes(row.gzip)} |`,
    ),
  ];
}

function total(rows: ChunkSize[], key: "raw" | "brotli" | "gzip"): number {
  return rows.reduce((sum, row) => sum + row[key], 0);
}

const indexFile = path.join(DIST_DIRECTORY, "index.html");
if (!fs.existsSync(indexFile)) {
  console.error("web/dist/index.html is missing: run `npm run build:web` first");
  process.exit(1);
}
const initial = initialScripts(fs.readFileSync(indexFile, "utf8")).map((url) =>
  sizeOf(path.join(DIST_DIRECTORY, url.replace(/^\//, ""))),
);
const assets = path.join(DIST_DIRECTORY, "assets");
const every = fs
  .readdirSync(assets)
  .filter((name) => name.endsWith(".js"))
  .map((name) => sizeOf(path.join(assets, name)))
  .sort((a, b) => b.brotli - a.brotli);

const firstLoad = total(initial, "brotli");
const report = [
  "# Web app bundle size",
  "",
  `Measured ${new Date().toISOString()} on Node ${process.version}, ${os.cpus().length} CPUs, by ` +
    "`npm run bench:web` over the production build in web/dist.",
  "",
  `**First load: ${kilobytes(firstLoad)} of brotli-compressed JavaScript** (${kilobytes(total(initial, "gzip"))} ` +
    `gzip, ${kilobytes(total(initial, "raw"))} uncompressed; budget ${kilobytes(FIRST_LOAD_BUDGET_BYTES)}), ` +
    "the entry script and its modulepreloads:",
  "",
  ...table(initial),
  "",
  `Every chunk (${every.length}, ${kilobytes(total(every, "brotli"))} brotli in all; screens load theirs when first shown):`,
  "",
  ...table(every),
  "",
];
fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
fs.writeFileSync(RESULTS_FILE, report.join("\n"));
console.log(report.join("\n"));
console.log(`Written to ${path.relative(PROJECT_DIRECTORY, RESULTS_FILE)}`);
if (firstLoad > FIRST_LOAD_BUDGET_BYTES) {
  console.error(`The first load is over the ${kilobytes(FIRST_LOAD_BUDGET_BYTES)} budget.`);
  process.exitCode = 1;
}
