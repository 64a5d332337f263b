import { createHash } from "node:crypto";
import { randomToken } from "../lib/ids.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError } from "../errors/app-error.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { mayViewPersona, viewerOf, type PersonaViewer } from "./persona-editor.ts";

/** Join codes are what people type: 8 characters, upper case, no look-alike letters. */
export function newJoinCode(): string {
  return randomToken(8).toUpperCase();
}

/** A preset's code is derived from its id, so it stays the same across installs. */
export function presetJoinCode(id: string): string {
  return createHash("sha256").update(id).digest("hex").slice(0, 8).toUpperCase();
}

function normalizeJoinCode(code: string): string {
  return code.replace(/[\s-]/g, "").toUpperCase();
}

/**
 * What joining with `code` copies: the production version of the persona with this code (from any tenant,
 * or a preset) when it has one, else its draft.
 */
export async function findJoinDefinition(options: {
  store: Store;
  viewer: PersonaViewer;
  code: string;
}): Promise<PersonaDefinition> {
  const { store, viewer, code } = options;
  const source = await store.personas.findByJoinCode(normalizeJoinCode(code));
  // A private persona's code works only for those who see it: inside its tenant, never from another.
  const who = viewerOf(viewer);
  const hidden =
    source?.visibility === "private" && (source.tenant_id !== who.tenantId || !mayViewPersona(who, source));
  if (!source || hidden) throw new NotFoundError(`a persona with join code ${code}`);
  const production =
    source.production_version === null
      ? undefined
      : await store.personas.findVersion(source.id, source.production_version);
  return production?.definition ?? source.draft;
}
