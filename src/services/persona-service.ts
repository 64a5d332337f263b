import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { Clock } from "../lib/clock.ts";
import { deepMerge, type JsonObject } from "../lib/deep-merge.ts";
import { newId, randomToken } from "../lib/ids.ts";
import { diffJson, type JsonChange } from "../lib/json-diff.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { Page } from "../store/pagination.ts";
import type { StoredPersona } from "../store/persona-repository.ts";
import type { PersonaRow, PersonaVisibility } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  fieldErrorsFromIssues,
} from "../errors/app-error.ts";
import {
  PERSONA_TEMPLATES,
  PRESET_PERSONAS,
  TEMPLATE_ID_PREFIX,
  findCatalogPersona,
  type CatalogPersona,
} from "./persona-catalog.ts";
import {
  DEFAULT_PERSONA_DEFINITION,
  READ_ONLY_PERSONA_FIELDS,
  personaDefinitionSchema,
  type PersonaDefinition,
} from "../domain/persona-definition.ts";
import {
  mayEditPersona,
  mayViewPersona,
  viewerFilter,
  viewerOf,
  type PersonaEditor,
  type PersonaViewer,
} from "./persona-editor.ts";

export type PersonaKind = PersonaRow["kind"];

/** A persona as the API shows it: identity and version state, then its draft definition. */
export type Persona = {
  id: string;
  kind: PersonaKind;
  join_code: string;
  production_version: number | null;
  latest_version: number;
  has_unpublished_changes: boolean;
  /** the user who created it (who may change it); null for presets and personas made with an API key */
  created_by_user_id: string | null;
  /** "tenant": every member sees it; "private": only its creator, admins and members with can_edit_all */
  visibility: PersonaVisibility;
  created_at: string;
  updated_at: string;
} & PersonaDefinition;

export interface PersonaVersionSummary {
  version: number;
  name: string;
  is_production: boolean;
  created_at: string;
}

export interface PersonaVersion extends PersonaVersionSummary {
  definition: PersonaDefinition;
}

/** A version reference in the API: a published version number, or the editable draft. */
export type VersionReference = number | "draft";

export interface PersonaTemplate {
  id: string;
  name: string;
  description: string;
  category: string;
  definition: PersonaDefinition;
}

/** Who is acting: the tenant always, the end user when the request named one. */
export interface PersonaActor {
  tenantId: string;
  userId?: string | undefined;
}

function toPersona(row: Omit<StoredPersona, "draft_revision">): Persona {
  return {
    id: row.id,
    kind: row.kind,
    join_code: row.join_code,
    production_version: row.production_version,
    latest_version: row.latest_version,
    has_unpublished_changes: row.has_unpublished_changes === 1,
    created_by_user_id: row.created_by_user_id,
    visibility: row.visibility,
    created_at: row.created_at,
    updated_at: row.updated_at,
    ...row.draft,
  };
}

function withoutReadOnlyFields(body: JsonObject): JsonObject {
  const copy = { ...body };
  for (const field of [...READ_ONLY_PERSONA_FIELDS, "template_id", "visibility"]) delete copy[field];
  return copy;
}

/** Validates a complete definition, naming every bad field. */
export function validateDefinition(candidate: unknown, fieldPrefix = ""): PersonaDefinition {
  const result = personaDefinitionSchema.safeParse(candidate);
  if (!result.success) throw new ValidationError(fieldErrorsFromIssues(result.error.issues, fieldPrefix));
  return result.data;
}

/** Join codes are what people type: 8 characters, upper case, no look-alike letters. */
export function normalizeJoinCode(code: string): string {
  return code.replace(/[\s-]/g, "").toUpperCase();
}

/** The body's `visibility` when it names one (the route's schema has checked its value). */
function visibilityOf(body: JsonObject): PersonaVisibility | undefined {
  return body.visibility === "private" || body.visibility === "tenant" ? body.visibility : undefined;
}

function presetJoinCode(id: string): string {
  return createHash("sha256").update(id).digest("hex").slice(0, 8).toUpperCase();
}

function toTemplate(entry: CatalogPersona): PersonaTemplate {
  return {
    id: entry.id,
    name: entry.definition.name,
    description: entry.description,
    category: entry.category,
    definition: entry.definition,
  };
}

export class PersonaService {
  private readonly deleteListeners: Array<(tenantId: string, personaId: string) => Promise<void>> = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

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
    const templateId = typeof body.template_id === "string" ? body.template_id : undefined;
    let base: PersonaDefinition = DEFAULT_PERSONA_DEFINITION;
    if (templateId !== undefined) {
      const template = templateId.startsWith(TEMPLATE_ID_PREFIX) ? findCatalogPersona(templateId) : undefined;
      if (!template)
        throw new ValidationError([{ field: "template_id", message: `no template has id ${templateId}` }]);
      base = template.definition;
    }
    const definition = validateDefinition(deepMerge(base, withoutReadOnlyFields(body)));
    return this.insertPersona(actor, definition, visibilityOf(body));
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
      const row = {
        id: newId("psn"),
        tenant_id: actor.tenantId,
        kind: "persona" as const,
        join_code: randomToken(8).toUpperCase(),
        created_by_user_id: actor.userId ?? null,
        visibility,
        draft: definition,
        production_version: null,
        latest_version: 0,
        has_unpublished_changes: 1,
        created_at: now,
        updated_at: now,
      };
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
    const row = {
      id: newId("psn"),
      tenant_id: actor.tenantId,
      kind: "persona" as const,
      join_code: randomToken(8).toUpperCase(),
      created_by_user_id: actor.userId ?? null,
      visibility: "tenant" as const,
      draft: definition,
      production_version: 1,
      latest_version: 1,
      has_unpublished_changes: 0,
      created_at: now,
      updated_at: now,
    };
    await store.personas.insert(row);
    await store.personas.insertVersion({
      persona_id: row.id,
      version: 1,
      definition,
      created_at: now,
    });
    return toPersona(row);
  }

  /**
   * The definition a persona answers with: its production version, or its draft while nothing is
   * published. `version` is null when it is the draft.
   */
  async getServingDefinition(
    viewer: PersonaViewer,
    id: string,
  ): Promise<{ definition: PersonaDefinition; version: number | null }> {
    const row = await this.findVisibleRow(viewer, id);
    if (row.production_version === null) {
      return { definition: row.draft, version: null };
    }
    const version = await this.store.personas.findVersion(id, row.production_version);
    if (!version) return { definition: row.draft, version: null };
    return { definition: version.definition, version: row.production_version };
  }

  async get(viewer: PersonaViewer, id: string): Promise<Persona> {
    return toPersona(await this.findVisibleRow(viewer, id));
  }

  /** The tenant's own persona; 404 when invisible, 403 for a (read-only) preset. */
  async getOwn(tenantId: string, id: string): Promise<Persona> {
    return toPersona(await this.findOwnRow(tenantId, id));
  }

  /**
   * A persona the editor may change: 404 when invisible, 403 for a preset or for another member's
   * persona (it is shared, so visible, but only its creator, admins and granted members change it).
   */
  async getEditable(editor: PersonaEditor, id: string, store: Store = this.store): Promise<Persona> {
    return toPersona(await this.findEditableRow(editor, id, store));
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
   * Applies a PATCH to the draft: objects merge, arrays and scalars replace; the result must be valid.
   * Concurrent edits never overwrite each other: the write only lands on the draft it was computed from,
   * and is recomputed on the newer draft otherwise.
   */
  async updateDraft(editor: PersonaEditor, id: string, patch: JsonObject): Promise<Persona> {
    const { tenantId } = editor;
    for (let attempt = 0; ; attempt++) {
      const row = await this.findEditableRow(editor, id);
      const current = row.draft;
      const next = validateDefinition(deepMerge(current, withoutReadOnlyFields(patch)));
      if (current.modifiers.nsfw && !next.modifiers.nsfw) {
        throw new ValidationError([
          { field: "modifiers.nsfw", message: "NSFW is permanent once set and cannot be turned off" },
        ]);
      }
      const visibility = visibilityOf(patch) ?? row.visibility;
      if (visibility === "private" && row.created_by_user_id === null) {
        throw new ValidationError([
          { field: "visibility", message: "only a persona created by a user can be private (to that user)" },
        ]);
      }
      const changes = {
        draft: next,
        visibility,
        // Changing only who sees it is not an unpublished change to the definition.
        has_unpublished_changes: isDeepStrictEqual(next, current) ? row.has_unpublished_changes : 1,
        updated_at: this.clock.now().toISOString(),
      };
      if (await this.store.personas.update(tenantId, id, changes, { draftRevision: row.draft_revision })) {
        return toPersona({ ...row, ...changes });
      }
      if (attempt >= 5) throw new ConflictError(`persona ${id} is being edited concurrently; try again`);
    }
  }

  async delete(editor: PersonaEditor, id: string): Promise<void> {
    await this.findEditableRow(editor, id);
    for (const listener of this.deleteListeners) await listener(editor.tenantId, id);
    await this.store.personas.delete(editor.tenantId, id);
  }

  /** Freezes the draft as the next numbered version and makes it production. */
  async publish(
    editor: PersonaEditor,
    id: string,
  ): Promise<{ version: PersonaVersionSummary; persona: Persona }> {
    const { tenantId } = editor;
    return this.store.transaction(async (store) => {
      const row = await this.findEditableRow(editor, id, store);
      const version = row.latest_version + 1;
      const now = this.clock.now().toISOString();
      const changes = {
        latest_version: version,
        production_version: version,
        has_unpublished_changes: 0,
        updated_at: now,
      };
      // The version check makes two concurrent publishes fail cleanly instead of both claiming one number.
      if (!(await store.personas.update(tenantId, id, changes, { latestVersion: row.latest_version }))) {
        throw new ConflictError(`persona ${id} was published by another request at the same time; try again`);
      }
      await store.personas.insertVersion({ persona_id: id, version, definition: row.draft, created_at: now });
      const name = row.draft.name;
      return {
        version: { version, name, is_production: true, created_at: now },
        persona: toPersona({ ...row, ...changes }),
      };
    });
  }

  /** Makes an earlier published version production again; the draft is left as it is. */
  async rollback(editor: PersonaEditor, id: string, version: number): Promise<Persona> {
    const { tenantId } = editor;
    const row = await this.findEditableRow(editor, id);
    if (!(await this.store.personas.findVersion(id, version))) {
      throw new ValidationError([
        { field: "version", message: `persona ${id} has no published version ${version}` },
      ]);
    }
    const changes = { production_version: version, updated_at: this.clock.now().toISOString() };
    await this.store.personas.update(tenantId, id, changes);
    return toPersona({ ...row, ...changes });
  }

  async listVersions(viewer: PersonaViewer, id: string): Promise<PersonaVersionSummary[]> {
    const row = await this.findVisibleRow(viewer, id);
    const versions = await this.store.personas.listVersions(id);
    return versions.map((version) => ({
      version: version.version,
      name: version.definition.name,
      is_production: version.version === row.production_version,
      created_at: version.created_at,
    }));
  }

  async getVersion(viewer: PersonaViewer, id: string, version: number): Promise<PersonaVersion> {
    const row = await this.findVisibleRow(viewer, id);
    const found = await this.store.personas.findVersion(id, version);
    if (!found) throw new NotFoundError(`version ${version} of persona ${id}`);
    const definition = found.definition;
    return {
      version,
      name: definition.name,
      is_production: version === row.production_version,
      created_at: found.created_at,
      definition,
    };
  }

  /** The definition at a version reference: a published number or the draft. */
  async getDefinition(
    viewer: PersonaViewer,
    id: string,
    reference: VersionReference,
  ): Promise<PersonaDefinition> {
    if (reference === "draft") {
      const row = await this.findVisibleRow(viewer, id);
      return row.draft;
    }
    return (await this.getVersion(viewer, id, reference)).definition;
  }

  async diff(
    viewer: PersonaViewer,
    id: string,
    from: VersionReference,
    to: VersionReference,
  ): Promise<{ from: VersionReference; to: VersionReference; changes: JsonChange[] }> {
    const [fromDefinition, toDefinition] = await Promise.all([
      this.getDefinition(viewer, id, from),
      this.getDefinition(viewer, id, to),
    ]);
    return { from, to, changes: diffJson(fromDefinition, toDefinition) };
  }

  /**
   * Copies the persona with this join code (from any tenant, or a preset) into the actor's tenant: its
   * production version when it has one, else its draft. The copy is independent of the original.
   */
  async join(actor: PersonaActor, code: string, viewer: PersonaViewer = actor.tenantId): Promise<Persona> {
    const source = await this.store.personas.findByJoinCode(normalizeJoinCode(code));
    // A private persona's code works only for those who see it: inside its tenant, never from another.
    const who = viewerOf(viewer);
    const hidden =
      source?.visibility === "private" && (source.tenant_id !== who.tenantId || !mayViewPersona(who, source));
    if (!source || hidden) throw new NotFoundError(`a persona with join code ${code}`);
    const production =
      source.production_version === null
        ? undefined
        : await this.store.personas.findVersion(source.id, source.production_version);
    const definition = production?.definition ?? source.draft;
    return this.insertPersona(actor, definition);
  }

  /**
   * A definition to export: the draft, "production" (the production version, or the draft when nothing is
   * published) or a version number.
   */
  async getExportDefinition(
    viewer: PersonaViewer,
    id: string,
    version: VersionReference | "production",
  ): Promise<PersonaDefinition> {
    const reference =
      version === "production"
        ? ((await this.findVisibleRow(viewer, id)).production_version ?? "draft")
        : version;
    return this.getDefinition(viewer, id, reference);
  }

  /** Throws NotFoundError when persona `id` exists in the tenant but is another member's private one. */
  async assertNotHidden(viewer: PersonaViewer, id: string): Promise<void> {
    const who = viewerOf(viewer);
    const row = await this.store.personas.findVisible(who.tenantId, id);
    if (row && !mayViewPersona(who, row)) throw new NotFoundError(`persona ${id}`);
  }

  /** A persona the viewer may see; another member's private persona is as missing as a foreign one. */
  private async findVisibleRow(viewer: PersonaViewer, id: string): Promise<StoredPersona> {
    const who = viewerOf(viewer);
    const row = await this.store.personas.findVisible(who.tenantId, id, viewerFilter(who));
    if (!row) throw new NotFoundError(`persona ${id}`);
    return row;
  }

  /** The tenant's own persona, for writes; a preset is visible but read-only. */
  private async findOwnRow(tenantId: string, id: string, store: Store = this.store): Promise<StoredPersona> {
    const row = await store.personas.findVisible(tenantId, id);
    if (!row) throw new NotFoundError(`persona ${id}`);
    if (row.kind === "preset") {
      throw new ForbiddenError(
        `persona ${id} is a preset and cannot be changed; copy it with POST /v1/personas/join {"code": "${row.join_code}"}`,
      );
    }
    return row;
  }

  private async findEditableRow(
    editor: PersonaEditor,
    id: string,
    store: Store = this.store,
  ): Promise<StoredPersona> {
    const row = await this.findOwnRow(editor.tenantId, id, store);
    if (!mayViewPersona(editor, row)) throw new NotFoundError(`persona ${id}`);
    if (!mayEditPersona(editor, row.created_by_user_id)) {
      throw new ForbiddenError(
        `persona ${id} was created by another member: only they, an admin, or a member an admin granted ` +
          `edit rights (can_edit_all) may change it`,
      );
    }
    return row;
  }
}
