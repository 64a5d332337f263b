import type { Memory } from "../memory/memory.ts";
import type { MemoryVisibility } from "../store/memory-repository.ts";
import type { MemoryRow, UserRow } from "../store/schema.ts";
import type { StoredMemory } from "../store/stored-documents/memory-documents.ts";
import type { Store } from "../store/store.ts";
import { BadRequestError, ForbiddenError, NotFoundError, ValidationError } from "../errors/app-error.ts";
import type { MemoryInput } from "./memory-schemas.ts";
import { mayEditPersona, type PersonaEditor } from "./persona-editor.ts";
import type { PersonaService } from "./persona-service.ts";
import type { Persona } from "./persona-views.ts";

/** Why a scope was refused: the same whether the id is another user's, another tenant's or nobody's. */
export const SCOPE_NOT_OWNED = "must be the id of one of your own user personas or contacts, or null";

/** Who is asking: the tenant, and the end user when the request named one. */
export interface MemoryActor {
  tenantId: string;
  user?: UserRow | undefined;
  /**
   * Who changes the persona's timeline memory (part of the persona: see persona-editor.ts). Without one,
   * the actor may only write relationship memory about its own user.
   */
  editor?: PersonaEditor | undefined;
}

/** The memories an actor sees: the timeline, and relationship memory about its own user. */
export function visibilityOf(actor: MemoryActor): MemoryVisibility {
  return { userId: actor.user?.id ?? null };
}

/**
 * Who may read and write which memories, and what a written memory may refer to (its scope, the memory it
 * revises). Every check is the same for a single write and for each item of an import.
 */
export class MemoryAccess {
  private readonly store: Store;
  private readonly personas: PersonaService;

  constructor(dependencies: { store: Store; personas: PersonaService }) {
    this.store = dependencies.store;
    this.personas = dependencies.personas;
  }

  /** The persona, once the actor may write memory of this owner to it. */
  async writablePersona(actor: MemoryActor, personaId: string, owner: Memory["owner"]): Promise<Persona> {
    const persona = await this.personas.get(actor.tenantId, personaId);
    this.checkOwner(actor, persona, owner);
    return persona;
  }

  /** Timeline memory of a preset is read-only; relationship memory needs the user it is about. */
  checkOwner(actor: MemoryActor, persona: Persona, owner: Memory["owner"]): void {
    if (owner === "relationship") {
      this.requireUser(actor);
      return;
    }
    if (persona.kind === "preset") {
      throw new ForbiddenError(`persona ${persona.id} is a preset: its timeline is read-only`);
    }
    if (!actor.editor || !mayEditPersona(actor.editor, persona.created_by_user_id)) {
      throw new ForbiddenError(
        `persona ${persona.id} was created by another member: its timeline memory is theirs to change ` +
          `(or an admin's, or a member's an admin granted can_edit_all)`,
      );
    }
  }

  /**
   * A relationship memory's scope narrows it to one of its user's user personas or contacts: it must name
   * one of the acting user's own. Another user's or tenant's id is refused with the same words as an id
   * that exists nowhere, so the answer reveals nothing about it.
   */
  async checkScope(actor: MemoryActor, input: Pick<MemoryInput, "owner" | "scope">): Promise<void> {
    if (!(await this.ownsScope(actor, input))) {
      throw new ValidationError([{ field: "scope", message: SCOPE_NOT_OWNED }]);
    }
  }

  async ownsScope(actor: MemoryActor, input: Pick<MemoryInput, "owner" | "scope">): Promise<boolean> {
    // Timeline memory is stored without a scope (memoryRowFromInput drops it), so there is nothing to check.
    if (input.owner !== "relationship" || input.scope === null) return true;
    const user = actor.user;
    if (!user) return false;
    if (await this.store.userPersonas.find(user.id, input.scope)) return true;
    const [sms, whatsapp] = await Promise.all([
      this.store.sms.listContactsOfUser(actor.tenantId, user.id),
      this.store.whatsapp.listContactsOfUser(actor.tenantId, user.id),
    ]);
    // A number still waiting for its code is not yet the user's.
    return [...sms, ...whatsapp].some((contact) => contact.user_id === user.id && contact.id === input.scope);
  }

  /** A revised memory names what it corrects, which must be a memory the actor can see. */
  async checkRevision(
    actor: MemoryActor,
    personaId: string,
    row: Pick<MemoryRow, "type" | "revises" | "id">,
  ): Promise<void> {
    if (row.type === "revised" && !row.revises) {
      throw new ValidationError([
        { field: "revises", message: "a revised memory must name the memory it revises" },
      ]);
    }
    if (row.revises === null) return;
    if (row.type !== "revised") {
      throw new ValidationError([{ field: "type", message: "must be revised when revises is set" }]);
    }
    if (
      row.revises === row.id ||
      !(await this.store.memories.find(personaId, row.revises, visibilityOf(actor)))
    ) {
      throw new ValidationError([
        { field: "revises", message: `no memory ${row.revises} of this persona to revise` },
      ]);
    }
  }

  requireUser(actor: MemoryActor): UserRow {
    if (!actor.user) {
      throw new BadRequestError("relationship memory is about a user: send X-Dramatis-User", [
        { field: "X-Dramatis-User", message: "required" },
      ]);
    }
    return actor.user;
  }

  /** A memory the actor can see; any other is not found. */
  async findRow(actor: MemoryActor, personaId: string, id: string): Promise<StoredMemory> {
    const row = await this.store.memories.find(personaId, id, visibilityOf(actor));
    if (!row) throw new NotFoundError(`memory ${id}`);
    return row;
  }
}
