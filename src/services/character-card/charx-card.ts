import { sniffMediaType } from "../../lib/file-signatures.ts";
import { readZipFiles, ZipArchiveError, type ZipLimits } from "../../lib/bounded-unzip.ts";
import { zipArchive, type ZipFile } from "../../lib/zip-archive.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import { BadRequestError, PayloadTooLargeError, ValidationError } from "../../errors/app-error.ts";
import { embeddedPath, listCardAssetEntries, safeAssetName } from "./card-assets.ts";
import { exportCard } from "./card-export.ts";
import { decodeUtf8, MAX_CARD_BYTES, parseCardJson } from "./card-json.ts";
import type { CharacterCardV3 } from "./character-card.ts";

/**
 * What a CHARX card may unpack to: its card.json and its main picture are read, nothing else, and the
 * archive is refused (413) before inflating anything bigger.
 */
export const CHARX_LIMITS: ZipLimits = {
  maxEntries: 1_000,
  maxEntryBytes: MAX_CARD_BYTES,
  maxTotalBytes: 200 * 1024 * 1024,
  maxRatio: 200,
};

/**
 * A CHARX card (RisuAI's ZIP: `card.json`, a V3 card, with its assets in the archive): the card, its main
 * icon (which becomes the persona's picture like a PNG card's art) and every file its assets name, each
 * read within CHARX_LIMITS.
 */
export function readCharx(bytes: Uint8Array): {
  json: unknown;
  image?: Uint8Array;
  files: Map<string, Uint8Array>;
} {
  const readBounded = (wanted: (name: string) => boolean) => {
    try {
      return readZipFiles(bytes, CHARX_LIMITS, wanted);
    } catch (error) {
      if (!(error instanceof ZipArchiveError)) throw error;
      if (error.reason === "too_large") {
        throw new PayloadTooLargeError(CHARX_LIMITS.maxTotalBytes, `CHARX card refused: ${error.message}`);
      }
      throw new ValidationError([
        { field: "file", message: `not a readable CHARX archive: ${error.message}` },
      ]);
    }
  };
  const cardBytes = readBounded((name) => name === "card.json").get("card.json");
  if (!cardBytes) throw new BadRequestError("the CHARX archive holds no card.json");
  const json = parseCardJson(decodeUtf8(cardBytes, "card.json"), "card.json");
  const entries = listCardAssetEntries(json);
  const paths = new Set(entries.map((asset) => embeddedPath(asset.uri)).filter((path) => path !== undefined));
  const files = paths.size === 0 ? new Map<string, Uint8Array>() : readBounded((name) => paths.has(name));
  const icons = entries.filter((asset) => asset.type === "icon");
  const main = icons.find((asset) => asset.name === "main") ?? icons[0];
  const iconPath = main ? embeddedPath(main.uri) : undefined;
  const image = iconPath === undefined ? undefined : files.get(iconPath);
  return image ? { json, image, files } : { json, files };
}

/** An asset to write into a CHARX export: stored bytes, or a remote URL kept as it is. */
export interface CharxAsset {
  type: string;
  name: string;
  ext: string;
  bytes?: Uint8Array;
  remoteUri?: string;
}

/** The spec's folder under assets/{type}/ for a file of this kind. */
function folderOf(bytes: Uint8Array): string {
  const media = sniffMediaType(bytes) ?? "";
  if (media.startsWith("image/")) return "image";
  if (media.startsWith("audio/")) return "audio";
  if (media.startsWith("video/")) return "video";
  return "other";
}

/** Formats that are compressed already gain nothing from deflate. */
const isCompressed = (bytes: Uint8Array) =>
  /^(image\/(png|jpeg|gif|webp|avif)|audio\/(mpeg|ogg|flac|mp4)|video)/.test(sniffMediaType(bytes) ?? "");

/**
 * A persona as a CHARX card (RisuAI's ZIP): `card.json`, the V3 card as the JSON export writes it, with
 * `data.assets` listing the persona's picture as the `icon` named `main` and every stored asset at
 * `assets/{type}/{image|audio|video|other}/{name}.{ext}` under an `embeded://` uri (the spec's spelling);
 * remote assets keep their URL. A stored `icon`/`main` is replaced by the current picture.
 * @example writeFile("ada.charx", exportCharx(definition, { avatarPng, assets }))
 */
export function exportCharx(
  definition: PersonaDefinition,
  options: { avatarPng: Uint8Array; assets: readonly CharxAsset[] },
): Uint8Array {
  const card = exportCard(definition, "card_v3") as CharacterCardV3;
  const files: ZipFile[] = [];
  const used = new Set<string>();
  const entries: Array<{ type: string; uri: string; name: string; ext: string }> = [];
  const addFile = (type: string, name: string, ext: string, bytes: Uint8Array) => {
    const base = `assets/${safeAssetName(type, "other")}/${folderOf(bytes)}/${safeAssetName(name, type)}`;
    let path = `${base}.${ext}`;
    for (let suffix = 2; used.has(path); suffix++) path = `${base}_${suffix}.${ext}`;
    used.add(path);
    files.push({ name: path, content: bytes, store: isCompressed(bytes) });
    entries.push({ type, uri: `embeded://${path}`, name, ext });
  };
  addFile("icon", "main", "png", options.avatarPng);
  for (const asset of options.assets) {
    if (asset.type === "icon" && asset.name === "main") continue;
    const ext = safeAssetName(asset.ext, "bin");
    if (asset.bytes) addFile(asset.type, asset.name, ext, asset.bytes);
    else if (asset.remoteUri) entries.push({ type: asset.type, uri: asset.remoteUri, name: asset.name, ext });
  }
  card.data.assets = entries;
  return zipArchive([{ name: "card.json", content: JSON.stringify(card) }, ...files]);
}

/** A V3 card's `data.assets` entry. */
export interface CardAssetUri {
  type: string;
  uri: string;
  name: string;
  ext: string;
}

/**
 * A V3 card's `data.assets` for a single-file export (JSON or PNG), where no file can sit beside the card:
 * the persona's picture as the `icon` named `main` (`ccdefault:` in a PNG, whose image it is; a data: URI
 * in JSON), every stored file as a data: URI, remote assets by their URL. So no `embeded://` uri points
 * at an archive the file is not in.
 * @example singleFileCardAssets({ picture: { png }, assets }) // [{ type: "icon", uri: "data:image/png;base64,...", ... }]
 */
export function singleFileCardAssets(options: {
  /** `"in-png"`: the export is the picture itself */
  picture: { png: Uint8Array } | "in-png";
  assets: readonly CharxAsset[];
}): CardAssetUri[] {
  const dataUri = (bytes: Uint8Array) =>
    `data:${sniffMediaType(bytes) ?? "application/octet-stream"};base64,${Buffer.from(bytes).toString("base64")}`;
  const icon = {
    type: "icon",
    uri: options.picture === "in-png" ? "ccdefault:" : dataUri(options.picture.png),
    name: "main",
    ext: "png",
  };
  const entries: CardAssetUri[] = [icon];
  for (const asset of options.assets) {
    if (asset.type === "icon" && asset.name === "main") continue;
    const ext = safeAssetName(asset.ext, "bin");
    if (asset.bytes) entries.push({ type: asset.type, uri: dataUri(asset.bytes), name: asset.name, ext });
    else if (asset.remoteUri) entries.push({ type: asset.type, uri: asset.remoteUri, name: asset.name, ext });
  }
  return entries;
}
