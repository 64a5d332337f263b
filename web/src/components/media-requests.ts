/** The picture and video requests of the gallery, the chat and the persona builder. */
import { client, currentCsrfToken, problemError, unwrap, type Schema } from "../lib/api.ts";

export type Media = Schema<"Media">;

/** The gallery's page size: a few screens of tiles per request. */
export const MEDIA_PAGE_SIZE = 60;

/** The types a photo sent in a chat may have (the server refuses anything else with 415). */
export const ATTACHMENT_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;

/** Documents a chat may carry besides pictures (the server keeps them as sent; models that take files read them). */
export const DOCUMENT_EXTENSIONS = [".pdf", ".txt", ".md", ".csv", ".json"] as const;

/** What a chat's file picker offers: pictures and documents. */
export const CHAT_ATTACHMENT_ACCEPT = [...ATTACHMENT_TYPES, ...DOCUMENT_EXTENSIONS].join(",");

/** A document by its name (a PDF or a text file), as the server decides by its bytes and name. */
export function isDocumentFile(file: Pick<File, "name">): boolean {
  const name = file.name.toLowerCase();
  return DOCUMENT_EXTENSIONS.some((extension) => name.endsWith(extension));
}

/** What the server accepts per photo (5 MB). */
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;

/** Still being made: queued or running. */
export function isPendingMedia(item: Pick<Media, "status">): boolean {
  return item.status === "queued" || item.status === "running";
}

export function loadMediaPage(
  filter: { personaId?: string; kind?: "image" | "video"; source?: "generated" | "upload"; after?: string },
  signal?: AbortSignal,
): Promise<Schema<"MediaPage">> {
  return unwrap(
    client.GET("/v1/media", {
      params: {
        query: {
          limit: MEDIA_PAGE_SIZE,
          ...(filter.personaId ? { persona_id: filter.personaId } : {}),
          ...(filter.kind ? { kind: filter.kind } : {}),
          ...(filter.source ? { source: filter.source } : {}),
          ...(filter.after ? { after: filter.after } : {}),
        },
      },
      signal,
    }),
  );
}

export function loadMedia(id: string, signal?: AbortSignal): Promise<Media> {
  return unwrap(client.GET("/v1/media/{id}", { params: { path: { id } }, signal }));
}

export async function deleteMedia(id: string): Promise<void> {
  await unwrap(client.DELETE("/v1/media/{id}", { params: { path: { id } } }));
}

export async function loadMediaModels(
  kind: "image" | "video",
  signal?: AbortSignal,
): Promise<Schema<"MediaModels">["data"]> {
  return (await unwrap(client.GET("/v1/media/models", { params: { query: { kind } }, signal }))).data;
}

/** Throws the usual mistakes (a PDF, a photo too large) at once, before anything is sent. */
function checkPictureFile(file: File): void {
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(file.type)) {
    throw new Error(`${file.name || "That file"} is not a PNG, JPEG, WebP or GIF picture.`);
  }
  if (file.size > ATTACHMENT_MAX_BYTES) {
    throw new Error(`${file.name || "That picture"} is larger than 5 MB.`);
  }
}

/**
 * Uploads a photo to send in a conversation (multipart field `file`); answers the stored item, to be
 * sent with the next message's `attachment_ids`. Checked here first so the usual mistakes (a PDF, a
 * photo too large) are told at once, without an upload.
 */
export async function uploadAttachment(
  conversationId: string,
  file: File,
  signal?: AbortSignal,
): Promise<Media> {
  if (!isDocumentFile(file)) checkPictureFile(file);
  else if (file.size > ATTACHMENT_MAX_BYTES) throw new Error(`${file.name} is larger than 5 MB.`);
  const form = new FormData();
  form.append("file", file, file.name || "photo");
  const token = currentCsrfToken();
  const response = await fetch(`/v1/conversations/${encodeURIComponent(conversationId)}/attachments`, {
    method: "POST",
    credentials: "same-origin",
    headers: token ? { "x-csrf-token": token } : {},
    body: form,
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw problemError(text, response.status, response.statusText);
  return JSON.parse(text) as Media;
}

/**
 * Whether it plays in a <video>: real video files do; an animated picture standing for a video (the
 * offline renderer's animated WebP) plays in an <img>, which a <video> could not show.
 */
export function playsAsVideo(item: Pick<Media, "kind" | "content_type">): boolean {
  return item.content_type ? item.content_type.startsWith("video/") : item.kind === "video";
}

/** "Picture" or "Video", for labels. */
export function mediaNoun(item: Pick<Media, "kind">): string {
  return item.kind === "video" ? "Video" : "Picture";
}

/** "3 May 2025, 14:02" in the viewer's own time zone and locale. */
export function formatMediaTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Where to save it from: the same bytes with Content-Disposition: attachment. */
export function downloadUrl(item: Pick<Media, "url">): string | undefined {
  return item.url ? `${item.url}?download=true` : undefined;
}

export type ArtStyle = Schema<"ArtStyles">["data"][number];
export type AppearancePreset = Schema<"AppearancePresets">["data"][number];

/** The art styles with their prompt wording and a sample picture each. */
export async function loadArtStyles(signal?: AbortSignal): Promise<ArtStyle[]> {
  return (await unwrap(client.GET("/v1/media/art-styles", { signal }))).data;
}

/** Appearance descriptions to start a persona from. */
export async function loadAppearancePresets(signal?: AbortSignal): Promise<AppearancePreset[]> {
  return (await unwrap(client.GET("/v1/media/appearance-presets", { signal }))).data;
}

/**
 * Queues profile picture candidates of a saved persona, drawn from its saved appearance and art style;
 * each comes back queued, to poll until ready.
 */
export async function requestAvatarCandidates(personaId: string, count = 4): Promise<Media[]> {
  return (
    await unwrap(
      client.POST("/v1/personas/{id}/avatar/candidates", {
        params: { path: { id: personaId } },
        body: { count },
      }),
    )
  ).data;
}

/** A square (or any rectangle) of a picture, in the picture's own pixels. */
export interface PixelCrop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Makes one of the user's pictures the persona's profile picture, cut to `crop`; answers its revision. */
export async function setAvatarFromMedia(
  personaId: string,
  mediaId: string,
  crop: PixelCrop,
): Promise<string> {
  const result = await unwrap(
    client.PUT("/v1/personas/{id}/avatar/from-media", {
      params: { path: { id: personaId } },
      body: { media_id: mediaId, crop },
    }),
  );
  return result.avatar.updated_at;
}

/**
 * A picture file as a data: URL (what the assistant takes), checked first like a photo sent in a chat:
 * PNG, JPEG, WebP or GIF up to 5 MB.
 */
export function readPictureAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    checkPictureFile(file);
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () =>
      reject(reader.error ?? new Error(`${file.name || "The picture"} could not be read.`));
    reader.readAsDataURL(file);
  });
}
