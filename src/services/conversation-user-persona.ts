import type { UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError } from "../errors/app-error.ts";
import type { UserPersonaSnapshot } from "./generation-input.ts";

/** `undefined`: the user's active user persona; `null`: explicitly none; a string: that user persona. */
export type UserPersonaChoice = string | null | undefined;

/**
 * Who the user is in a message: the request's user persona, else the user's active one, else none. Kept
 * as a snapshot with the message, so a later switch or edit of the user persona leaves it as it was sent.
 */
export async function resolveUserPersona(
  store: Store,
  user: UserRow,
  choice: UserPersonaChoice,
): Promise<UserPersonaSnapshot | null> {
  const id = choice === undefined ? user.active_user_persona_id : choice;
  if (id === null) return null;
  const row = await store.userPersonas.find(user.id, id);
  if (!row) {
    if (choice === undefined) return null; // the active one was deleted meanwhile: No Persona
    throw new NotFoundError(`user persona ${id}`);
  }
  return { id: row.id, name: row.name, description: row.description };
}
