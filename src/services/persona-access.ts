import type { StoredPersona } from "../store/persona-repository.ts";
import type { Store } from "../store/store.ts";
import { ForbiddenError, NotFoundError } from "../errors/app-error.ts";
import {
  mayEditPersona,
  mayViewPersona,
  viewerFilter,
  viewerOf,
  type PersonaEditor,
  type PersonaViewer,
} from "./persona-editor.ts";

/**
 * Finds a persona's row for someone, with the answer persona-editor.ts's rules give: another member's
 * private persona is as missing (404) as a foreign one; a preset, or a shared persona the editor did not
 * create, is visible but read-only (403). Methods that run inside a transaction take its store.
 */
export class PersonaAccess {
  constructor(private readonly store: Store) {}

  /** A persona the viewer may see. */
  async findVisibleRow(viewer: PersonaViewer, id: string): Promise<StoredPersona> {
    const who = viewerOf(viewer);
    const row = await this.store.personas.findVisible(who.tenantId, id, viewerFilter(who));
    if (!row) throw new NotFoundError(`persona ${id}`);
    return row;
  }

  /** The tenant's own persona, for writes; a preset is visible but read-only. */
  async findOwnRow(tenantId: string, id: string, store: Store = this.store): Promise<StoredPersona> {
    const row = await store.personas.findVisible(tenantId, id);
    if (!row) throw new NotFoundError(`persona ${id}`);
    if (row.kind === "preset") {
      throw new ForbiddenError(
        `persona ${id} is a preset and cannot be changed; copy it with POST /v1/personas/join {"code": "${row.join_code}"}`,
      );
    }
    return row;
  }

  /** A persona the editor may change. */
  async findEditableRow(
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

  /** Throws NotFoundError when persona `id` exists in the tenant but is another member's private one. */
  async assertNotHidden(viewer: PersonaViewer, id: string): Promise<void> {
    const who = viewerOf(viewer);
    const row = await this.store.personas.findVisible(who.tenantId, id);
    if (row && !mayViewPersona(who, row)) throw new NotFoundError(`persona ${id}`);
  }
}
