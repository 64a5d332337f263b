import { isPlainObject } from "../../lib/deep-merge.ts";
import { PayloadTooLargeError } from "../../errors/app-error.ts";

/**
 * A Character Card V3's `assets` (github.com/kwaroran/character-card-spec-v3): entries `{ type, uri, name,
 * ext }` whose uri is `embeded://path` (a file of the CHARX archive; the spec's spelling, `embedded://` read
 * too), `data:` (the bytes inline), `http(s)://` (a remote file, kept as a reference and never fetched at
 * import) or `ccdefault:` (the front end's default, nothing to keep). Pure: the archive's files come in
 * through `readEmbedded`.
 */

export interface CardAssetLimits {
  maxCount: number;
  maxBytes: number;
  maxTotalBytes: number;
}

export interface CardAssetEntry {
  type: string;
  name: string;
  ext: string;
}

/** An asset of an imported card: its bytes, or the remote URL it names. */
export type ImportedCardAsset = CardAssetEntry & ({ bytes: Uint8Array } | { remoteUri: string });

/** The `embeded://path` (CHARX's spelling) or `embedded://path` of an asset, as a path in the archive. */
export function embeddedPath(uri: unknown): string | undefined {
  if (typeof uri !== "string") return undefined;
  return /^embedd?ed:\/\/(.+)$/.exec(uri)?.[1];
}

/** The card's `data.assets` entries that are objects with a string uri. */
export function listCardAssetEntries(json: unknown): Array<Record<string, unknown> & { uri: string }> {
  const assets = isPlainObject(json) && isPlainObject(json.data) ? json.data.assets : undefined;
  if (!Array.isArray(assets)) return [];
  return assets.filter(
    (asset): asset is Record<string, unknown> & { uri: string } =>
      isPlainObject(asset) && typeof asset.uri === "string",
  );
}

/** A short, safe name part for archive paths and downloads: letters, digits, dot, dash, underscore. */
export function safeAssetName(text: string, fallback: string): string {
  const safe = text
    .replace(/[^\w.-]+/g, "_")
    .replace(/^\.+/, "")
    .slice(0, 80);
  return safe === "" ? fallback : safe;
}

function describeEntry(entry: Record<string, unknown>, uri: string): CardAssetEntry {
  const fromPath = /\.([a-z0-9]{1,10})$/i.exec(uri.split(/[?#]/)[0] ?? "")?.[1];
  const ext = typeof entry.ext === "string" && entry.ext !== "" ? entry.ext : (fromPath ?? "bin");
  return {
    type: typeof entry.type === "string" && entry.type !== "" ? entry.type.slice(0, 64) : "other",
    name: typeof entry.name === "string" ? entry.name.slice(0, 200) : "",
    ext: safeAssetName(ext.toLowerCase(), "bin").slice(0, 16),
  };
}

/** The bytes of a `data:` URI (base64 or percent-encoded), or undefined when it is not one. */
function decodeDataUri(uri: string): Uint8Array | undefined {
  const match = /^data:([^,]*),(.*)$/s.exec(uri);
  if (!match) return undefined;
  const [, header = "", payload = ""] = match;
  try {
    if (/;base64$/i.test(header)) return new Uint8Array(Buffer.from(payload, "base64"));
    return new Uint8Array(Buffer.from(decodeURIComponent(payload), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The card's assets to keep, in card order, with warnings for the ones that could not be read. More than
 * `maxCount` assets, or bytes past the limits, refuse the card (413) rather than keep part of it silently.
 * @example readCardAssets(card, limits, (path) => zipFiles.get(path))
 */
export function readCardAssets(
  json: unknown,
  limits: CardAssetLimits,
  readEmbedded: (path: string) => Uint8Array | undefined = () => undefined,
): { assets: ImportedCardAsset[]; warnings: string[] } {
  const entries = listCardAssetEntries(json);
  if (entries.length > limits.maxCount) {
    throw new PayloadTooLargeError(
      limits.maxTotalBytes,
      `the card lists ${entries.length} assets; at most ${limits.maxCount} are kept`,
    );
  }
  const assets: ImportedCardAsset[] = [];
  const warnings: string[] = [];
  let total = 0;
  for (const entry of entries) {
    const uri = entry.uri;
    const described = describeEntry(entry, uri);
    const label = `asset ${described.type}/${described.name || "(unnamed)"}`;
    if (uri.startsWith("ccdefault:")) continue;
    if (/^https?:\/\//i.test(uri)) {
      assets.push({ ...described, remoteUri: uri.slice(0, 2_000) });
      continue;
    }
    const path = embeddedPath(uri);
    const bytes = path === undefined ? decodeDataUri(uri) : readEmbedded(path);
    if (bytes === undefined) {
      const scheme = uri.split(":")[0]?.slice(0, 20) ?? "";
      warnings.push(
        path === undefined
          ? `${label} was not kept: its uri scheme "${scheme}" is not embeded://, data:, http(s) or ccdefault:`
          : `${label} was not kept: the archive has no file ${path.slice(0, 200)}`,
      );
      continue;
    }
    if (bytes.byteLength > limits.maxBytes) {
      throw new PayloadTooLargeError(limits.maxBytes, `${label} is larger than ${limits.maxBytes} bytes`);
    }
    total += bytes.byteLength;
    if (total > limits.maxTotalBytes) {
      throw new PayloadTooLargeError(
        limits.maxTotalBytes,
        `the card's assets exceed ${limits.maxTotalBytes} bytes`,
      );
    }
    assets.push({ ...described, bytes });
  }
  return { assets, warnings };
}
