import { exportCard } from "./character-card/card-export.ts";
import { importCard } from "./character-card/card-import.ts";
import type { CardFormat, CharacterCard } from "./character-card/character-card.ts";
import { exportCharx, singleFileCardAssets } from "./character-card/charx-card.ts";
import { exportCardPng } from "./character-card/png-card.ts";
import type { PersonaAvatarService } from "./persona-avatar-service.ts";
import type { PersonaAssetService } from "./persona-asset-service.ts";
import { tenantEditor, type PersonaViewer } from "./persona-editor.ts";
import type { PersonaActor, PersonaService } from "./persona-service.ts";
import type { Persona, VersionReference } from "./persona-views.ts";

/**
 * Character Cards in and out of the persona library, with their pictures: an imported PNG card's art
 * becomes the persona's avatar, and a PNG export carries the persona's current picture (its upload, or the
 * generated one the app shows), so a card looks the same on both sides. The card format itself is
 * `character-card/`.
 */
export class CharacterCardService {
  private readonly personas: PersonaService;
  private readonly avatars: PersonaAvatarService;
  private readonly assets: PersonaAssetService;

  constructor(dependencies: {
    personas: PersonaService;
    avatars: PersonaAvatarService;
    assets: PersonaAssetService;
  }) {
    this.personas = dependencies.personas;
    this.avatars = dependencies.avatars;
    this.assets = dependencies.assets;
  }

  /**
   * Creates a persona from a Character Card (V1/V2/V3; JSON, PNG or CHARX); a PNG card's art or a CHARX
   * card's main icon becomes its avatar, and the card's assets (the icon too) are stored as its assets.
   */
  async import(
    actor: PersonaActor,
    upload: { bytes: Uint8Array; contentType?: string | undefined; fileName?: string | undefined },
  ): Promise<{ persona: Persona; format: CardFormat; warnings: string[] }> {
    const imported = importCard(upload);
    // Checked before the persona exists, so a picture that breaks the avatar rules is only a warning.
    const art = imported.image === undefined ? undefined : await this.avatars.prepareCardArt(imported.image);
    // Blobs first: a persona appears with all its assets or not at all.
    const assets = await this.assets.prepare(actor.tenantId, imported.assets);
    let persona: Persona;
    try {
      persona = await this.personas.insertPersona(actor, imported.definition);
    } catch (error) {
      await this.assets.discard(assets);
      throw error;
    }
    try {
      await this.assets.attach(persona.id, assets);
    } catch (error) {
      // No persona without the assets its card promised: take it back (its delete hook drops the blobs).
      await this.personas.delete(tenantEditor(actor.tenantId), persona.id);
      await this.assets.discard(assets);
      throw error;
    }
    if (art && "png" in art) await this.avatars.storeCardArt(persona.id, art.png);
    const warnings = art && "warning" in art ? [...imported.warnings, art.warning] : imported.warnings;
    return { persona, format: imported.format, warnings };
  }

  /**
   * Exports a persona as a Character Card. `version` is the draft (the default), "production" (the
   * production version, or the draft when nothing is published) or a version number; the picture of a PNG
   * export is always the persona's current one, pictures having no versions.
   */
  async export(
    viewer: PersonaViewer,
    id: string,
    options: { format: CardFormat; version: VersionReference | "production" },
  ): Promise<{
    /** The card as JSON; a V3 card's assets (and picture) ride along as data: URIs. */
    card: () => Promise<CharacterCard>;
    png: () => Promise<Buffer>;
    /** A CHARX archive (always a V3 card), with the picture and every stored asset. */
    charx: () => Promise<Uint8Array>;
    name: string;
  }> {
    const definition = await this.personas.getExportDefinition(viewer, id, options.version);
    const picture = async () => (await this.avatars.get(viewer, id)).png;
    // Only a V3 card has assets; a V2 export skips reading them.
    const assets = async (where: "in-json" | "in-png") =>
      options.format === "card_v3"
        ? singleFileCardAssets({
            picture: where === "in-png" ? where : { png: await picture() },
            assets: await this.assets.exportable(viewer, id),
          })
        : undefined;
    return {
      card: async () => {
        const card = exportCard(definition, options.format);
        const entries = await assets("in-json");
        if (entries && card.spec === "chara_card_v3") card.data.assets = entries;
        return card;
      },
      png: async () => exportCardPng(definition, options.format, await picture(), await assets("in-png")),
      charx: async () =>
        exportCharx(definition, {
          avatarPng: (await this.avatars.get(viewer, id)).png,
          assets: await this.assets.exportable(viewer, id),
        }),
      name: definition.name,
    };
  }
}
