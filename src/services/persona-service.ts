import type { Clock } from "../lib/clock.ts";
import type { JsonObject } from "../lib/deep-merge.ts";
import type { JsonChange } from "../lib/json-diff.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { Page } from "../store/pagination.ts";
import type { PersonaVisibility } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { ConflictError, ValidationError } from "../errors/app-error.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { PersonaAccess } from "./persona-access.ts";
import { PERSONA_TEMPLATES, PRESET_PERSONAS } from "./persona-catalog.ts";
import {
  applyDraftPatch,
  definitionFromBody,
  validateDefinition,
  visibilityOf,
} from "./persona-definition-input.ts";
import { viewerFilter, viewerOf, type PersonaEditor, type PersonaViewer } from "./persona-editor.ts";
import { findJoinDefinition, presetJoinCode } from "./persona-join-codes.ts";
import { newPersonaRow } from "./persona-rows.ts";
import { PersonaVersions } from "./persona-versions.ts";
import {
  toPersona,
  toTemplate,
  type Persona,
  type PersonaKind,
  type PersonaTemplate,
  type PersonaVersion,
  type PersonaVersionSummary,
  type VersionReference,
} from "./persona-views.ts";

/** Who is acting: the tenant always, the end user when the request named one. */
export interface PersonaActor {
  tenantId: string;
  userId?: string | undefined;
}

/**
 * Personas: creating, reading, listing, editing the draft, deleting, versions and join codes. Routes call
 * this class; it hands the work to collaborators it builds from its own dependencies: PersonaAccess (who
 * finds which row) and PersonaVersions (publish, rollback, versions, serving definitions). Request bodies
 * become definitions in persona-definition-input.ts, new rows are made in persona-rows.ts and shown
 * through persona-views.ts; join codes are persona-join-codes.ts.
 */
export class PersonaService {
  private readonly deleteListeners: Array<(tenantId: string, personaId: string) => Promise<void>> = [];
  private readonly access: PersonaAccess;
  private readonly versions: PersonaVersions;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.access = new PersonaAccess(store);
    this.versions = new PersonaVersions({ store, clock, access: this.access });
  }

  /**
   * Runs `listener` when a persona is about to be deleted (after the editor check), for what lives outside
   * its rows: its assets' blobs. The composition root subscribes; a failing listener stops the delete.
   */
  onDelete(listener: (tenantId: string, personaId: string) => Promise<void>): void {
    this.deleteListeners.push(listener);
  }

  /** Writes the shipped presets into the database (idempotent; run at start-up). */
  async installPresets(): Promise<void> {
    const now = this.clock.now().toISOString();
    for (const preset of PRESET_PERSONAS) {
      const definition = validateDefinition(preset.definition);
      await this.store.personas.upsertPreset(
        {
          id: preset.id,
          tenant_id: null,
          kind: "preset",
          join_code: presetJoinCode(preset.id),
          created_by_user_id: null,
          visibility: "tenant",
          draft: definition,
          production_version: 1,
          latest_version: 1,
          has_unpublished_changes: 0,
          created_at: now,
          updated_at: now,
        },
        { persona_id: preset.id, version: 1, definition, created_at: now },
      );
    }
  }

  listTemplates(): PersonaTemplate[] {
    return PERSONA_TEMPLATES.map(toTemplate);
  }

  /**
   * Creates a persona from a body where only `name` is required (or a `template_id` that supplies one).
   *
   * @example await personas.create({ tenantId }, { name: "Ada", verbosity: 2 });
   */
  async create(actor: PersonaActor, body: JsonObject): Promise<Persona> {
    return this.insertPersona(actor, definitionFromBody(body), visibilityOf(body));
  }

  /** Inserts a new persona in the actor's tenant with a fresh join code (retried on the rare collision). */
  async insertPersona(
    actor: PersonaActor,
    definition: PersonaDefinition,
    visibility: PersonaVisibility = "tenant",
  ): Promise<Persona> {
    // A private persona needs someone to see it: made with an API key (no user) it would be the tenant's.
    if (visibility === "private" && !actor.userId) {
      throw new ValidationError([
        { field: "visibility", message: "a private persona needs a signed-in creator (or a body user)" },
      ]);
    }
    const now = this.clock.now().toISOString();
    for (let attempt = 0; ; attempt++) {
      const row = newPersonaRow({
        tenantId: actor.tenantId,
        userId: actor.userId ?? null,
        definition,
        visibility,
        published: false,
        now,
      });
      try {
        await this.store.personas.insert(row);
        return toPersona(row);
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Inserts a persona already published as version 1 (production), inside the caller's transaction:
   * what a population generates, so every study of it pins a version.
   */
  async insertPublished(actor: PersonaActor, definition: PersonaDefinition, store: Store): Promise<Persona> {
    const now = this.clock.now().toISOString();
    const row = newPersonaRow({
      tenantId: actor.tenantId,
      userId: actor.userId ?? null,
      definition,
      visibility: "tenant",
      published: true,
      now,
    });
    await store.personas.insert(row);
    await store.personas.insertVersion({ persona_id: row.id, version: 1, definition, created_at: now });
    return toPersona(row);
  }

  /** See PersonaVersions.serving: the production version's definition, or the draft's. */
  async getServingDefinition(
    viewer: PersonaViewer,
    id: string,
  ): Promise<{ definition: PersonaDefinition; version: number | null }> {
    return this.versions.serving(viewer, id);
  }

  async get(viewer: PersonaViewer, id: string): Promise<Persona> {
    return toPersona(await this.access.findVisibleRow(viewer, id));
  }

  /** The tenant's own persona; 404 when invisible, 403 for a (read-only) preset. */
  async getOwn(tenantId: string, id: string): Promise<Persona> {
    return toPersona(await this.access.findOwnRow(tenantId, id));
  }

  /**
   * A persona the editor may change: 404 when invisible, 403 for a preset or for another member's
   * persona (it is shared, so visible, but only its creator, admins and granted members change it).
   */
  async getEditable(editor: PersonaEditor, id: string, store: Store = this.store): Promise<Persona> {
    return toPersona(await this.access.findEditableRow(editor, id, store));
  }

  async list(
    viewer: PersonaViewer,
    filter: {
      kind?: PersonaKind | undefined;
      limit: number;
      after?: string | undefined;
      q?: string | undefined;
      includeGenerated?: boolean | undefined;
      populationId?: string | undefined;
    },
  ): Promise<Page<Persona>> {
    const who = viewerOf(viewer);
    const page = await this.store.personas.list(who.tenantId, { ...filter, viewer: viewerFilter(who) });
    return { items: page.items.map(toPersona), nextCursor: page.nextCursor };
  }

  /**
   * Every persona the tenant can use (its own and the presets), for model lists; not the personas research
   * populations generated.
   */
  async listAll(viewer: PersonaViewer): Promise<Persona[]> {
    const personas: Persona[] = [];
    let after: string | undefined;
    do {
      const page = await this.list(viewer, { limit: 200, ...(after ? { after } : {}) });
      personas.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after);
    return personas;
  }

  /**
   * Applies a PATCH to the draft (see applyDraftPatch). Concurrent edits never overwrite each other: the
   * write only lands on the draft it was computed from, and is recomputed on the newer draft otherwise.
   */
  async updateDraft(editor: PersonaEditor, id: string, patch: JsonObject): Promise<Persona> {
    const { tenantId } = editor;
    for (let attempt = 0; ; attempt++) {
      const row = await this.access.findEditableRow(editor, id);
      const changes = { ...applyDraftPatch(row, patch), updated_at: this.clock.now().toISOString() };
      if (await this.store.personas.update(tenantId, id, changes, { draftRevision: row.draft_revision })) {
        return toPersona({ ...row, ...changes });
      }
      if (attempt >= 5) throw new ConflictError(`persona ${id} is being edited concurrently; try again`);
    }
  }

  async delete(editor: PersonaEditor, id: string): Promise<void> {
    await this.access.findEditableRow(editor, id);
    for (const listener of this.deleteListeners) await listener(editor.tenantId, id);
    await this.store.personas.delete(editor.tenantId, id);
  }

  /** Freezes the draft as the next numbered version and makes it production. */
  async publish(
    editor: PersonaEditor,
    id: string,
  ): Promise<{ version: PersonaVersionSummary; persona: Persona }> {
    return this.versions.publish(editor, id);
  }

  /** Makes an earlier published version production again; the draft is left as it is. */
  async rollback(editor: PersonaEditor, id: string, version: number): Promise<Persona> {
    return this.versions.rollback(editor, id, version);
  }

  async listVersions(viewer: PersonaViewer, id: string): Promise<PersonaVersionSummary[]> {
    return this.versions.list(viewer, id);
  }

  async getVersion(viewer: PersonaViewer, id: string, version: number): Promise<PersonaVersion> {
    return this.versions.get(viewer, id, version);
  }

  async diff(
    viewer: PersonaViewer,
    id: string,
    from: VersionReference,
    to: VersionReference,
  ): Promise<{ from: VersionReference; to: VersionReference; changes: JsonChange[] }> {
    return this.versions.diff(viewer, id, from, to);
  }

  /** See PersonaVersions.exportDefinition: the draft, "production" or a version number. */
  async getExportDefinition(
    viewer: PersonaViewer,
    id: string,
    version: VersionReference | "production",
  ): Promise<PersonaDefinition> {
    return this.versions.exportDefinition(viewer, id, version);
  }

  /**
   * Copies the persona with this join code (from any tenant, or a preset) into the actor's tenant: its
   * production version when it has one, else its draft. The copy is independent of the original.
   */
  async join(actor: PersonaActor, code: string, viewer: PersonaViewer = actor.tenantId): Promise<Persona> {
    return this.insertPersona(actor, await findJoinDefinition({ store: this.store, viewer, code }));
  }

  /** Throws NotFoundError when persona `id` exists in the tenant but is another member's private one. */
  async assertNotHidden(viewer: PersonaViewer, id: string): Promise<void> {
    return this.access.assertNotHidden(viewer, id);
  }
}
