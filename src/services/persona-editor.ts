/**
 * Who may change a persona. Every persona of a tenant is shared with its members for reading and
 * chatting; changing one (editing, publishing, rolling back, deleting, its avatar, its phone and WhatsApp
 * numbers, its timeline memory) is for the member who created it, for members an admin granted
 * `can_edit_all`, for admins, and for API keys with the `write` scope, which act as the tenant itself.
 * Studies follow the same rule for cancelling, resuming and deleting (study-service.ts).
 *
 * Seeing follows the same rule for a private persona (visibility "private"): only those who may change it
 * see it; to every other member it does not exist (404). A shared one ("tenant") every member sees.
 */
export interface PersonaEditor {
  tenantId: string;
  /** the signed-in person's user; null for an API key, which acts as the tenant */
  userId: string | null;
  /** true for admins, members granted can_edit_all, and API keys */
  editsAll: boolean;
}

/** An editor for code that acts as the tenant itself (API keys, jobs, the CLI). */
export function tenantEditor(tenantId: string): PersonaEditor {
  return { tenantId, userId: null, editsAll: true };
}

/** Whether `editor` may change a persona created by `createdByUserId` (null: created by a key or the system). */
export function mayEditPersona(editor: PersonaEditor, createdByUserId: string | null): boolean {
  return editor.editsAll || (editor.userId !== null && createdByUserId === editor.userId);
}

/** Whether `viewer` may see a persona at all: shared ones always, private ones only when they may edit it. */
export function mayViewPersona(
  viewer: PersonaEditor,
  persona: { visibility: "tenant" | "private"; created_by_user_id: string | null },
): boolean {
  return persona.visibility !== "private" || mayEditPersona(viewer, persona.created_by_user_id);
}

/** The repository's filter form of a viewer (store/persona-repository.ts `visibleTo`). */
export function viewerFilter(viewer: PersonaEditor): { userId: string | null; seesAll: boolean } {
  return { userId: viewer.userId, seesAll: viewer.editsAll };
}

/**
 * What read paths take: a tenant id (the tenant itself: jobs, channels, API keys, which see every persona)
 * or a PersonaEditor (a signed-in person, who does not see other members' private personas).
 */
export type PersonaViewer = string | PersonaEditor;

export function viewerOf(viewer: PersonaViewer): PersonaEditor {
  return typeof viewer === "string" ? tenantEditor(viewer) : viewer;
}
