import type { Clock } from "../lib/clock.ts";
import { diffJson, type JsonChange } from "../lib/json-diff.ts";
import type { Store } from "../store/store.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors/app-error.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { PersonaAccess } from "./persona-access.ts";
import type { PersonaEditor, PersonaViewer } from "./persona-editor.ts";
import {
  toPersona,
  toVersionSummary,
  type Persona,
  type PersonaVersion,
  type PersonaVersionSummary,
  type VersionReference,
} from "./persona-views.ts";

/**
 * A persona's versions: the editable draft, frozen into numbered versions by publishing, one of which is
 * production (what the persona answers with); rolling back makes an earlier one production again.
 */
export class PersonaVersions {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly access: PersonaAccess;

  constructor(dependencies: { store: Store; clock: Clock; access: PersonaAccess }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.access = dependencies.access;
  }

  /**
   * The definition a persona answers with: its production version, or its draft while nothing is
   * published. `version` is null when it is the draft.
   */
  async serving(
    viewer: PersonaViewer,
    id: string,
  ): Promise<{ definition: PersonaDefinition; version: number | null }> {
    const row = await this.access.findVisibleRow(viewer, id);
    if (row.production_version === null) {
      return { definition: row.draft, version: null };
    }
    const version = await this.store.personas.findVersion(id, row.production_version);
    if (!version) return { definition: row.draft, version: null };
    return { definition: version.definition, version: row.production_version };
  }

  /** Freezes the draft as the next numbered version and makes it production. */
  async publish(
    editor: PersonaEditor,
    id: string,
  ): Promise<{ version: PersonaVersionSummary; persona: Persona }> {
    const { tenantId } = editor;
    return this.store.transaction(async (store) => {
      const row = await this.access.findEditableRow(editor, id, store);
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
      const published = { version, definition: row.draft, created_at: now };
      await store.personas.insertVersion({ persona_id: id, ...published });
      return { version: toVersionSummary(published, version), persona: toPersona({ ...row, ...changes }) };
    });
  }

  /** Makes an earlier published version production again; the draft is left as it is. */
  async rollback(editor: PersonaEditor, id: string, version: number): Promise<Persona> {
    const { tenantId } = editor;
    const row = await this.access.findEditableRow(editor, id);
    if (!(await this.store.personas.findVersion(id, version))) {
      throw new ValidationError([
        { field: "version", message: `persona ${id} has no published version ${version}` },
      ]);
    }
    const changes = { production_version: version, updated_at: this.clock.now().toISOString() };
    await this.store.personas.update(tenantId, id, changes);
    return toPersona({ ...row, ...changes });
  }

  async list(viewer: PersonaViewer, id: string): Promise<PersonaVersionSummary[]> {
    const row = await this.access.findVisibleRow(viewer, id);
    const versions = await this.store.personas.listVersions(id);
    return versions.map((version) => toVersionSummary(version, row.production_version));
  }

  async get(viewer: PersonaViewer, id: string, version: number): Promise<PersonaVersion> {
    const row = await this.access.findVisibleRow(viewer, id);
    const found = await this.store.personas.findVersion(id, version);
    if (!found) throw new NotFoundError(`version ${version} of persona ${id}`);
    return { ...toVersionSummary(found, row.production_version), definition: found.definition };
  }

  /** The definition at a version reference: a published number or the draft. */
  async definitionAt(
    viewer: PersonaViewer,
    id: string,
    reference: VersionReference,
  ): Promise<PersonaDefinition> {
    if (reference === "draft") {
      const row = await this.access.findVisibleRow(viewer, id);
      return row.draft;
    }
    return (await this.get(viewer, id, reference)).definition;
  }

  async diff(
    viewer: PersonaViewer,
    id: string,
    from: VersionReference,
    to: VersionReference,
  ): Promise<{ from: VersionReference; to: VersionReference; changes: JsonChange[] }> {
    const [fromDefinition, toDefinition] = await Promise.all([
      this.definitionAt(viewer, id, from),
      this.definitionAt(viewer, id, to),
    ]);
    return { from, to, changes: diffJson(fromDefinition, toDefinition) };
  }

  /**
   * A definition to export: the draft, "production" (the production version, or the draft when nothing is
   * published) or a version number.
   */
  async exportDefinition(
    viewer: PersonaViewer,
    id: string,
    version: VersionReference | "production",
  ): Promise<PersonaDefinition> {
    const reference =
      version === "production"
        ? ((await this.access.findVisibleRow(viewer, id)).production_version ?? "draft")
        : version;
    return this.definitionAt(viewer, id, reference);
  }
}
