/**
 * Who may change a persona. Every persona of a tenant is shared with its members for reading and
 * chatting; changing one (editing, publishing, rolling back, deleting, its avatar, its phone and WhatsApp
 * numbers, its timeline memory) is for the member who created it, for members an admin granted
 * `can_edit_all`, for admins, and for API keys with the `write` scope, which act as the tenant itself.
 * Studies follow the same rule for cancelling, resuming and deleting (study-service.ts).
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
