import sharp from "sharp";
import {
  AVATAR_MAX_UPLOAD_BYTES,
  AVATAR_UPLOAD_TYPES,
  OversizedImageError,
  UndecodableImageError,
  detectUploadType,
  generateAvatar,
  reencodeAvatar,
  reencodeCardArt,
} from "../lib/avatar-images.ts";
import type { Clock } from "../lib/clock.ts";
import type { PersonaEditor, PersonaViewer } from "./persona-editor.ts";
import type { Store } from "../store/store.ts";
import {
  AppError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../errors/app-error.ts";
import type { PersonaService } from "./persona-service.ts";

export interface AvatarImage {
  png: Uint8Array;
  source: "upload" | "generated";
  /** changes whenever the picture does; used as the ETag */
  revision: string;
}

/** Generated pictures depend only on the persona, so a small cache saves rasterising them again. */
const GENERATED_CACHE_LIMIT = 500;

export class PersonaAvatarService {
  private readonly generated = new Map<string, Uint8Array>();

  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;

  constructor(dependencies: { store: Store; clock: Clock; personas: PersonaService }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
  }

  /** The persona's picture: its upload, or a generated one. 404 when the persona is not visible. */
  async get(viewer: PersonaViewer, personaId: string): Promise<AvatarImage> {
    const persona = await this.personas.get(viewer, personaId);
    const upload = await this.store.personaAvatars.find(persona.id);
    if (upload) return { png: upload.image, source: "upload", revision: `u-${upload.updated_at}` };
    const artStyle = persona.appearance.art_style;
    const key = `${persona.id}:${artStyle}`;
    let png = this.generated.get(key);
    if (!png) {
      png = await generateAvatar({ seed: persona.id, artStyle });
      if (this.generated.size >= GENERATED_CACHE_LIMIT) this.generated.clear();
      this.generated.set(key, png);
    }
    return { png, source: "generated", revision: `g-${artStyle}` };
  }

  /** Stores an uploaded picture after checking its type and size and re-encoding it as PNG. */
  async upload(
    editor: PersonaEditor,
    personaId: string,
    upload: { bytes: Uint8Array; contentType: string | undefined },
  ): Promise<{ source: "upload"; updated_at: string }> {
    await this.personas.getEditable(editor, personaId);
    const png = await checkAndReencode(upload, reencodeAvatar);
    const updatedAt = this.clock.now().toISOString();
    await this.store.personaAvatars.upsert(personaId, png, updatedAt);
    return { source: "upload", updated_at: updatedAt };
  }

  /**
   * Makes a picture the persona's profile picture (a generated candidate, a photo from the gallery),
   * cropped to `crop` (pixels of the picture) when given, then squared and re-encoded like an upload.
   */
  async useImage(
    editor: PersonaEditor,
    personaId: string,
    picture: Uint8Array,
    crop?: { x: number; y: number; width: number; height: number } | undefined,
  ): Promise<{ source: "upload"; updated_at: string }> {
    await this.personas.getEditable(editor, personaId);
    let bytes = picture;
    if (crop) {
      const { width = 0, height = 0 } = await sharp(picture).metadata();
      if (crop.x + crop.width > width || crop.y + crop.height > height) {
        throw new ValidationError([
          { field: "crop", message: `must lie inside the ${width}×${height} picture` },
        ]);
      }
      bytes = new Uint8Array(
        await sharp(picture)
          .extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
          .png()
          .toBuffer(),
      );
    }
    const png = await checkAndReencode({ bytes, contentType: detectUploadType(bytes) }, reencodeAvatar);
    const updatedAt = this.clock.now().toISOString();
    await this.store.personaAvatars.upsert(personaId, png, updatedAt);
    return { source: "upload", updated_at: updatedAt };
  }

  /**
   * Checks a character card's picture with the upload rules (type, size, pixel limits) and re-encodes it,
   * keeping its proportions. A picture that breaks them is no reason to refuse the whole card, so the
   * problem comes back as a warning and the persona keeps a generated picture.
   */
  async prepareCardArt(png: Uint8Array): Promise<{ png: Uint8Array } | { warning: string }> {
    try {
      return { png: await checkAndReencode({ bytes: png, contentType: "image/png" }, reencodeCardArt) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const reason = error.errors[0]?.message ?? error.message;
      return { warning: `the card's picture was not kept (${reason}); the persona has a generated picture` };
    }
  }

  /** Stores a picture from prepareCardArt for the persona its card just created. */
  async storeCardArt(personaId: string, png: Uint8Array): Promise<void> {
    await this.store.personaAvatars.upsert(personaId, png, this.clock.now().toISOString());
  }

  /** Goes back to the generated picture. */
  async remove(editor: PersonaEditor, personaId: string): Promise<void> {
    await this.personas.getEditable(editor, personaId);
    await this.store.personaAvatars.delete(personaId);
  }
}

/** The upload rules: an accepted declared type that the bytes really are, the size limit, then a re-encode. */
async function checkAndReencode(
  upload: { bytes: Uint8Array; contentType: string | undefined },
  reencode: (bytes: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const declared = upload.contentType?.split(";")[0]?.trim().toLowerCase();
  const accepted = AVATAR_UPLOAD_TYPES.join(", ");
  if (!declared || !AVATAR_UPLOAD_TYPES.includes(declared as (typeof AVATAR_UPLOAD_TYPES)[number])) {
    throw new UnsupportedMediaTypeError(`an avatar must be one of ${accepted}; got ${declared ?? "no type"}`);
  }
  if (upload.bytes.byteLength > AVATAR_MAX_UPLOAD_BYTES)
    throw new PayloadTooLargeError(AVATAR_MAX_UPLOAD_BYTES);
  if (detectUploadType(upload.bytes) !== declared) {
    throw new ValidationError([{ field: "body", message: `is not a valid ${declared} file` }]);
  }
  try {
    return await reencode(upload.bytes);
  } catch (error) {
    if (error instanceof OversizedImageError) {
      throw new ValidationError([{ field: "body", message: error.message }]);
    }
    if (error instanceof UndecodableImageError) {
      throw new ValidationError([
        { field: "body", message: `could not be decoded as an image (${error.message})` },
      ]);
    }
    throw error;
  }
}
