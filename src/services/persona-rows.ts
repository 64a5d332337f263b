import { newId } from "../lib/ids.ts";
import type { StoredPersona } from "../store/persona-repository.ts";
import type { PersonaVisibility } from "../store/schema.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { newJoinCode } from "./persona-join-codes.ts";

/**
 * A new persona's row with a fresh id and join code: only a draft, or (`published`) already version 1 in
 * production, which the caller inserts alongside.
 */
export function newPersonaRow(options: {
  tenantId: string;
  /** the creating user; null when made with an API key or by the system */
  userId: string | null;
  definition: PersonaDefinition;
  visibility: PersonaVisibility;
  published: boolean;
  now: string;
}): Omit<StoredPersona, "draft_revision"> {
  return {
    id: newId("psn"),
    tenant_id: options.tenantId,
    kind: "persona",
    join_code: newJoinCode(),
    created_by_user_id: options.userId,
    visibility: options.visibility,
    draft: options.definition,
    production_version: options.published ? 1 : null,
    latest_version: options.published ? 1 : 0,
    has_unpublished_changes: options.published ? 0 : 1,
    created_at: options.now,
    updated_at: options.now,
  };
}
