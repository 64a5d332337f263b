import type { Readable } from "node:stream";
import { NotFoundError } from "../errors/app-error.ts";
import type { Clock } from "../lib/clock.ts";
import { sniffMediaType } from "../lib/file-signatures.ts";
import { newId } from "../lib/ids.ts";
import type { BlobStore } from "../store/blob-store.ts";
import type { PersonaAssetRow } from "../store/persona-asset-repository.ts";
import type { Store } from "../store/store.ts";
import type { ImportedCardAsset } from "./character-card/card-assets.ts";
import type { PersonaEditor, PersonaViewer } from "./persona-editor.ts";
import type { PersonaService } from "./persona-service.ts";

/** A persona's card asset as the API lists it. */
export interface PersonaAsset {
  id: string;
  type: string;
  name: string;
  ext: string;
  /** the sniffed type of a stored asset; null for a remote one */
  content_type: string | null;
  size: number | null;
  /** where a stored asset is served; for a remote asset, its URL as the card gave it (never fetched) */
  url: string;
  remote: boolean;
}

/** A stored asset's bytes, for an export. */
export interface ExportableAsset {
  type: string;
  name: string;
  ext: string;
  bytes?: Uint8Array;
  remoteUri?: string;
}

/** Assets whose blobs are stored but not attached to a persona yet (between put and persona insert). */
export interface PreparedAssets {
  tenantId: string;
  rows: Array<Omit<PersonaAssetRow, "persona_id">>;
}

const tenantOf = (viewer: PersonaViewer): string => (typeof viewer === "string" ? viewer : viewer.tenantId);

/** The media types served inline; anything else is a download (application/octet-stream). */
const INLINE_TYPES = /^(image\/(png|jpeg|gif|webp|avif)|audio\/[\w.+-]+|video\/(mp4|webm))$/;

/**
 * A persona's card assets (CHARX files, a V3 card's data: URIs, remote URLs): stored as blobs on import,
 * listed, served, deleted, and handed to the CHARX export. Visibility is the persona's.
 */
export class PersonaAssetService {
  private readonly store: Store;
  private readonly blobs: BlobStore;
  private readonly clock: Clock;
  private readonly personas: PersonaService;

  constructor(dependencies: { store: Store; blobs: BlobStore; clock: Clock; personas: PersonaService }) {
    this.store = dependencies.store;
    this.blobs = dependencies.blobs;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
  }

  /**
   * Stores an imported card's asset bytes as blobs, before the persona exists (so a failure leaves no
   * persona with half its assets); `attach` then records them, `discard` undoes this.
   */
  async prepare(tenantId: string, assets: readonly ImportedCardAsset[]): Promise<PreparedAssets> {
    const prepared: PreparedAssets = { tenantId, rows: [] };
    const createdAt = this.clock.now().toISOString();
    try {
      for (const [position, asset] of assets.entries()) {
        let blobId: string | null = null;
        if ("bytes" in asset) {
          const contentType = sniffMediaType(asset.bytes) ?? "application/octet-stream";
          blobId = (await this.blobs.put(asset.bytes, { tenantId, contentType })).id;
        }
        prepared.rows.push({
          id: newId("ast"),
          tenant_id: tenantId,
          type: asset.type,
          name: asset.name,
          ext: asset.ext,
          position,
          blob_id: blobId,
          remote_uri: "remoteUri" in asset ? asset.remoteUri : null,
          created_at: createdAt,
        });
      }
    } catch (error) {
      await this.discard(prepared);
      throw error;
    }
    return prepared;
  }

  /** Records prepared assets as the persona's. */
  async attach(personaId: string, prepared: PreparedAssets): Promise<void> {
    await this.store.personaAssets.insertMany(
      prepared.rows.map((row) => ({ ...row, persona_id: personaId })),
    );
  }

  /** Deletes the blobs of prepared assets that were never attached. */
  async discard(prepared: PreparedAssets): Promise<void> {
    for (const row of prepared.rows) {
      if (row.blob_id !== null) await this.blobs.delete(prepared.tenantId, row.blob_id);
    }
  }

  /** The persona's assets in card order; 404 when the persona is not visible. */
  async list(viewer: PersonaViewer, personaId: string): Promise<PersonaAsset[]> {
    const persona = await this.personas.get(viewer, personaId);
    const rows = await this.store.personaAssets.list(tenantOf(viewer), persona.id);
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      name: row.name,
      ext: row.ext,
      content_type: row.content_type,
      size: row.size,
      url: row.remote_uri ?? `/v1/personas/${persona.id}/assets/${row.id}`,
      remote: row.remote_uri !== null,
    }));
  }

  /**
   * A stored asset's bytes as a stream with how to serve them: images, sound and video with their sniffed
   * type, anything else as an attachment. 404 for a missing asset, a remote one, or an invisible persona.
   */
  async open(
    viewer: PersonaViewer,
    personaId: string,
    assetId: string,
  ): Promise<{
    stream: Readable;
    contentType: string;
    inline: boolean;
    size: number;
    sha256: string;
    fileName: string;
  }> {
    const persona = await this.personas.get(viewer, personaId);
    const asset = await this.store.personaAssets.find(tenantOf(viewer), persona.id, assetId);
    const opened = asset?.blob_id ? await this.blobs.open(tenantOf(viewer), asset.blob_id) : undefined;
    if (!asset || !opened) throw new NotFoundError(`asset ${assetId}`);
    const inline = INLINE_TYPES.test(opened.blob.contentType);
    return {
      stream: opened.stream,
      contentType: inline ? opened.blob.contentType : "application/octet-stream",
      inline,
      size: opened.blob.size,
      sha256: opened.blob.sha256,
      fileName: `${asset.name || asset.type}.${asset.ext}`,
    };
  }

  /** Deletes one asset and its blob (editors only). */
  async delete(editor: PersonaEditor, personaId: string, assetId: string): Promise<void> {
    await this.personas.getEditable(editor, personaId);
    const asset = await this.store.personaAssets.find(editor.tenantId, personaId, assetId);
    if (!asset) throw new NotFoundError(`asset ${assetId}`);
    await this.store.personaAssets.delete(editor.tenantId, personaId, assetId);
    if (asset.blob_id !== null) await this.blobs.delete(editor.tenantId, asset.blob_id);
  }

  /** Deletes every asset of a persona and their blobs: called before the persona itself is deleted. */
  async deleteAll(tenantId: string, personaId: string): Promise<void> {
    const blobIds = await this.store.personaAssets.deleteAll(tenantId, personaId);
    for (const blobId of blobIds) await this.blobs.delete(tenantId, blobId);
  }

  /** Every asset with its bytes (stored) or URL (remote), in card order, for a CHARX export. */
  async exportable(viewer: PersonaViewer, personaId: string): Promise<ExportableAsset[]> {
    const persona = await this.personas.get(viewer, personaId);
    const rows = await this.store.personaAssets.list(tenantOf(viewer), persona.id);
    const assets: ExportableAsset[] = [];
    for (const row of rows) {
      const described = { type: row.type, name: row.name, ext: row.ext };
      if (row.remote_uri !== null) assets.push({ ...described, remoteUri: row.remote_uri });
      else if (row.blob_id !== null) {
        const bytes = await this.blobs.read(tenantOf(viewer), row.blob_id);
        if (bytes) assets.push({ ...described, bytes });
      }
    }
    return assets;
  }
}
