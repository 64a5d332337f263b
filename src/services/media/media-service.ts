import type { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import {
  NotFoundError,
  ValidationError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "../../errors/app-error.ts";
import {
  AVATAR_MAX_UPLOAD_BYTES,
  OversizedImageError,
  UndecodableImageError,
  detectUploadType,
  reencodePhoto,
  thumbnailOf,
  type ReencodedPhoto,
} from "../../lib/avatar-images.ts";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import { sniffFileType } from "../../lib/file-signatures.ts";
import type { BlobStore } from "../../store/blob-store.ts";
import type { MediaListQuery, MediaRow } from "../../store/media-repository.ts";
import type { MediaItemLinkTarget } from "../media-links.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { toMediaView, type MediaView } from "./media-views.ts";

/** Photos a user sends: the avatar's limits (type, bytes, pixels). */
export const ATTACHMENT_MAX_BYTES = AVATAR_MAX_UPLOAD_BYTES;
/** Uploads never sent with a message are kept this long, then swept with their blobs. */
const UNSENT_UPLOAD_MS = 24 * 60 * 60 * 1000;
const SWEEP_BATCH = 200;

/**
 * The pictures and videos of a user: the gallery (list, read, bytes, delete), the photos they send in a
 * conversation (checked, re-encoded, EXIF gone) and the sweep of what nothing owns any more. Generation
 * is MediaGeneration's (media-generation.ts).
 */
export class MediaService {
  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly clock: Clock;

  constructor(dependencies: { store: Store; blobs: BlobStore; clock: Clock }) {
    this.store = dependencies.store;
    this.blobs = dependencies.blobs;
    this.clock = dependencies.clock;
  }

  /** The user's media, newest first, with the persona's name; `cursor` continues a previous page. */
  async list(
    user: UserRow,
    query: Omit<MediaListQuery, "userId" | "before"> & { cursor?: string | undefined },
  ): Promise<{ items: MediaView[]; next_cursor: string | null }> {
    const rows = await this.store.media.list({ ...query, userId: user.id, before: query.cursor });
    const page = rows.slice(0, query.limit);
    const names = await this.personaNames(user.tenant_id, page);
    return {
      items: page.map((row) => toMediaView(row, names.get(row.persona_id ?? "") ?? null)),
      next_cursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  async get(user: UserRow, id: string): Promise<MediaView> {
    const row = await this.find(user, id);
    const names = await this.personaNames(user.tenant_id, [row]);
    return toMediaView(row, names.get(row.persona_id ?? "") ?? null);
  }

  /** The bytes of a ready item, streamed. 404 while it is still being made. */
  async open(
    user: UserRow,
    id: string,
  ): Promise<{ stream: Readable; contentType: string; size: number; sha256: string; row: MediaRow }> {
    const row = await this.find(user, id);
    const opened = row.blob_id ? await this.blobs.open(user.tenant_id, row.blob_id) : undefined;
    if (!opened) throw new NotFoundError(`the content of media ${id} (status ${row.status})`);
    return {
      stream: opened.stream,
      contentType: opened.blob.contentType,
      size: opened.blob.size,
      sha256: opened.blob.sha256,
      row,
    };
  }

  /**
   * The bytes a signed media link opens (MediaLinks.open checked the signature and expiry), streamed:
   * looked up in the link's tenant only; 404 once the item is deleted or while it is not ready.
   */
  async openLinkedMedia(
    target: MediaItemLinkTarget,
  ): Promise<{ stream: Readable; contentType: string; size: number }> {
    const row = await this.store.media.findInTenant(target.tenantId, target.mediaId);
    const opened =
      row?.status === "ready" && row.blob_id
        ? await this.blobs.open(target.tenantId, row.blob_id)
        : undefined;
    if (!opened) throw new NotFoundError(`media ${target.mediaId}`);
    return { stream: opened.stream, contentType: opened.blob.contentType, size: opened.blob.size };
  }

  /**
   * A small WebP of a ready picture (or of an animated placeholder video's first frame), for the gallery's
   * tiles; undefined for what has no picture to shrink (a real video, a document).
   */
  async thumbnail(user: UserRow, id: string): Promise<{ bytes: Uint8Array; sha256: string } | undefined> {
    const opened = await this.open(user, id);
    if (!opened.contentType.startsWith("image/")) {
      opened.stream.destroy();
      return undefined;
    }
    const bytes = new Uint8Array(await buffer(opened.stream));
    return { bytes: await thumbnailOf(bytes), sha256: opened.sha256 };
  }

  /** A ready item's bytes in memory (a reference picture, an image part for a model). */
  async readBytes(
    tenantId: string,
    row: MediaRow,
  ): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
    if (row.status !== "ready" || !row.blob_id) return undefined;
    const opened = await this.blobs.open(tenantId, row.blob_id);
    if (!opened) return undefined;
    return { bytes: new Uint8Array(await buffer(opened.stream)), contentType: opened.blob.contentType };
  }

  /** The bytes of one of the user's ready pictures (a candidate to become a profile picture). */
  async readImage(user: UserRow, id: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    const row = await this.find(user, id);
    const read = row.kind === "image" ? await this.readBytes(user.tenant_id, row) : undefined;
    if (!read) {
      throw new ValidationError([
        { field: "media_id", message: `${id} is not a ready picture (it is a ${row.kind}, ${row.status})` },
      ]);
    }
    return read;
  }

  /** Deletes the item and its bytes (blob first: a failure midway leaves a row to retry). */
  async delete(user: UserRow, id: string): Promise<void> {
    const row = await this.find(user, id);
    await this.remove(row);
  }

  /**
   * A photo the user sends in a conversation: its type sniffed (PNG, JPEG, WebP or GIF; SVG and anything
   * else refused), decoded within the pixel limits and re-encoded without metadata. Send it with the next
   * message's `attachment_ids`; one never sent is deleted after a day.
   */
  async upload(
    user: UserRow,
    conversationId: string,
    input: { bytes: Uint8Array; fileName?: string | undefined },
  ): Promise<MediaView> {
    const conversation = await this.store.conversations.find(user.id, conversationId);
    if (!conversation) throw new NotFoundError(`conversation ${conversationId}`);
    if (input.bytes.length > ATTACHMENT_MAX_BYTES) throw new PayloadTooLargeError(ATTACHMENT_MAX_BYTES);
    const file = documentType(input.bytes, input.fileName);
    if (!file && input.bytes.length > 0 && !detectUploadType(input.bytes)) {
      throw new UnsupportedMediaTypeError(
        "only pictures (PNG, JPEG, WebP, GIF), PDFs and text files (.txt, .md, .csv, .json) can be attached; this is none of these",
      );
    }
    const photo = file
      ? { bytes: input.bytes, contentType: file, width: null, height: null }
      : await checkPhoto(input.bytes);
    const blob = await this.blobs.put(photo.bytes, {
      tenantId: user.tenant_id,
      contentType: photo.contentType,
    });
    const now = this.clock.now().toISOString();
    const row: MediaRow = {
      id: newId("med"),
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: conversation.persona_id,
      conversation_id: conversationId,
      message_id: null,
      kind: file ? "file" : "image",
      source: "upload",
      status: "ready",
      request: "",
      prompt: "",
      model: null,
      offline: 0,
      priority: 0,
      reference_media_id: null,
      job_id: null,
      blob_id: blob.id,
      content_type: photo.contentType,
      size: blob.size,
      width: photo.width,
      height: photo.height,
      duration_ms: null,
      seed: null,
      progress: null,
      error: null,
      file_name: cleanFileName(input.fileName),
      reply_sent_at: null,
      channel_sent_at: null,
      created_at: now,
      completed_at: now,
    };
    try {
      await this.store.media.insert(row);
    } catch (error) {
      await this.blobs.delete(user.tenant_id, blob.id);
      throw error;
    }
    return toMediaView(row);
  }

  /**
   * Copies the photos and files sent with these messages to their copies (a branch: `copies` maps each
   * message to its copy in `conversationId`), so the branch shows them and its model still sees them. The
   * bytes are stored once (content-addressed); each copy owns its own blob row. Pictures the persona made
   * are not copied: the gallery keeps one of each.
   */
  async copyUploads(
    user: UserRow,
    copies: ReadonlyMap<string, string>,
    conversationId: string,
  ): Promise<void> {
    const rows = await this.store.media.listForMessages([...copies.keys()]);
    for (const row of rows) {
      const messageId = row.message_id ? copies.get(row.message_id) : undefined;
      if (row.source !== "upload" || !messageId || !row.blob_id || row.user_id !== user.id) continue;
      const bytes = await this.blobs.read(row.tenant_id, row.blob_id);
      if (!bytes) continue;
      const blob = await this.blobs.put(bytes, {
        tenantId: row.tenant_id,
        contentType: row.content_type ?? "",
      });
      const now = this.clock.now().toISOString();
      await this.store.media.insert({
        ...row,
        id: newId("med"),
        conversation_id: conversationId,
        message_id: messageId,
        blob_id: blob.id,
        reply_sent_at: null,
        channel_sent_at: null,
        created_at: now,
        completed_at: now,
      });
    }
  }

  /**
   * Deletes media nothing owns any more (see MediaRepository.listOrphans): blob first, then row.
   * `conversationId` limits the sweep to one conversation.
   */
  async sweepOrphans(options: { conversationId?: string } = {}): Promise<number> {
    const unsentBefore = new Date(this.clock.now().getTime() - UNSENT_UPLOAD_MS).toISOString();
    let swept = 0;
    for (;;) {
      const rows = await this.store.media.listOrphans({ unsentBefore, limit: SWEEP_BATCH, ...options });
      for (const row of rows) await this.remove(row);
      swept += rows.length;
      if (rows.length < SWEEP_BATCH) return swept;
    }
  }

  private async remove(row: MediaRow): Promise<void> {
    if (row.blob_id) await this.blobs.delete(row.tenant_id, row.blob_id);
    await this.store.media.delete(row.id);
  }

  private async find(user: UserRow, id: string): Promise<MediaRow> {
    const row = await this.store.media.find(user.id, id);
    if (!row) throw new NotFoundError(`media ${id}`);
    return row;
  }

  /** The names of the personas of these rows that the tenant still has. */
  private async personaNames(tenantId: string, rows: readonly MediaRow[]): Promise<Map<string, string>> {
    const ids = new Set(rows.flatMap((row) => (row.persona_id ? [row.persona_id] : [])));
    return this.store.personas.namesOf(tenantId, [...ids]);
  }
}

/** Documents a user may send besides pictures: kept as they are, and only ever served as downloads. */
const TEXT_EXTENSIONS: Record<string, string> = {
  txt: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  csv: "text/csv",
  json: "application/json",
};

/**
 * The type of a document upload (a PDF, or UTF-8 text named .txt, .md, .csv or .json), or undefined when
 * the bytes are not one: pictures and everything else go through checkPhoto.
 */
export function documentType(bytes: Uint8Array, fileName: string | undefined): string | undefined {
  if (bytes.length > ATTACHMENT_MAX_BYTES || bytes.length === 0) return undefined;
  if (sniffFileType(bytes) === "pdf") return "application/pdf";
  const extension = (fileName ?? "").toLowerCase().split(".").pop() ?? "";
  const textType = TEXT_EXTENSIONS[extension];
  if (!textType || bytes.includes(0)) return undefined;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return textType;
}

/**
 * A picture a user sent, checked and made safe: within the size limit, really PNG, JPEG, WebP or GIF
 * (sniffed: SVG and anything else refused with 415), within the pixel limits, re-encoded without metadata.
 */
export async function checkPhoto(bytes: Uint8Array, field = "file"): Promise<ReencodedPhoto> {
  if (bytes.length > ATTACHMENT_MAX_BYTES) throw new PayloadTooLargeError(ATTACHMENT_MAX_BYTES);
  if (bytes.length === 0) throw new UnsupportedMediaTypeError(`${field}: empty: send a picture`);
  if (!detectUploadType(bytes)) {
    throw new UnsupportedMediaTypeError(
      `${field}: only pictures are taken: PNG, JPEG, WebP or GIF (the bytes are none of these)`,
    );
  }
  try {
    return await reencodePhoto(bytes);
  } catch (error) {
    if (error instanceof OversizedImageError) {
      throw new ValidationError([{ field, message: error.message }]);
    }
    if (error instanceof UndecodableImageError) {
      throw new UnsupportedMediaTypeError(`${field}: the picture could not be decoded: ${error.message}`);
    }
    throw error;
  }
}

/** A file name safe to show and to offer as a download's name: no path, no control characters, bounded. */
function cleanFileName(name: string | undefined): string | null {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  const cleaned = [...base]
    .filter((character) => character.charCodeAt(0) > 0x1f && character !== "\u007f" && character !== '"')
    .join("")
    .trim()
    .slice(0, 200);
  return cleaned || null;
}
