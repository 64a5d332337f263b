import type { StoredPersona, StoredPersonaVersion } from "../store/persona-repository.ts";
import type { PersonaRow, PersonaVisibility } from "../store/schema.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { CatalogPersona } from "./persona-catalog.ts";

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

export function toPersona(row: Omit<StoredPersona, "draft_revision">): Persona {
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

/** A published version in a persona's list; `productionVersion` is the persona's current one. */
export function toVersionSummary(
  version: Omit<StoredPersonaVersion, "persona_id">,
  productionVersion: number | null,
): PersonaVersionSummary {
  return {
    version: version.version,
    name: version.definition.name,
    is_production: version.version === productionVersion,
    created_at: version.created_at,
  };
}

export function toTemplate(entry: CatalogPersona): PersonaTemplate {
  return {
    id: entry.id,
    name: entry.definition.name,
    description: entry.description,
    category: entry.category,
    definition: entry.definition,
  };
}
