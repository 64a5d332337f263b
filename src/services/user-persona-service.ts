import { z } from "zod";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Page, PageRequest } from "../store/pagination.ts";
import type { UserPersonaRow, UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError } from "../errors/app-error.ts";

export const userPersonaInputSchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  description: z.string().max(4000, "must be at most 4000 characters").default(""),
  avatar_url: z.string().url("must be a URL").max(2000).nullable().default(null),
});

export const userPersonaPatchSchema = z.strictObject({
  name: userPersonaInputSchema.shape.name.optional(),
  description: z.string().max(4000, "must be at most 4000 characters").optional(),
  avatar_url: z.string().url("must be a URL").max(2000).nullable().optional(),
});

export type UserPersonaInput = z.infer<typeof userPersonaInputSchema>;
export type UserPersonaPatch = z.infer<typeof userPersonaPatchSchema>;

/** The identity a user brings into conversations. */
export interface UserPersona {
  id: string;
  name: string;
  description: string;
  avatar_url: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

function toUserPersona(row: UserPersonaRow, activeId: string | null): UserPersona {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    avatar_url: row.avatar_url,
    is_active: row.id === activeId,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** User personas belong to one user: every method takes that user, and another user's are not found. */
export class UserPersonaService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(user: UserRow, input: UserPersonaInput): Promise<UserPersona> {
    const now = this.clock.now().toISOString();
    const row: UserPersonaRow = {
      id: newId("upn"),
      tenant_id: user.tenant_id,
      user_id: user.id,
      name: input.name,
      description: input.description,
      avatar_url: input.avatar_url,
      created_at: now,
      updated_at: now,
    };
    await this.store.userPersonas.insert(row);
    return toUserPersona(row, user.active_user_persona_id);
  }

  async list(user: UserRow, page: PageRequest): Promise<Page<UserPersona>> {
    const result = await this.store.userPersonas.list(user.id, page);
    return {
      items: result.items.map((row) => toUserPersona(row, user.active_user_persona_id)),
      nextCursor: result.nextCursor,
    };
  }

  async get(user: UserRow, id: string): Promise<UserPersona> {
    return toUserPersona(await this.findRow(user, id), user.active_user_persona_id);
  }

  async update(user: UserRow, id: string, patch: UserPersonaPatch): Promise<UserPersona> {
    const row = await this.findRow(user, id);
    const changes = {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.avatar_url === undefined ? {} : { avatar_url: patch.avatar_url }),
      updated_at: this.clock.now().toISOString(),
    };
    await this.store.userPersonas.update(user.id, id, changes);
    return toUserPersona({ ...row, ...changes }, user.active_user_persona_id);
  }

  /** Deletes a user persona; if it was active, the user is left with "No Persona". */
  async delete(user: UserRow, id: string): Promise<void> {
    await this.findRow(user, id);
    await this.store.transaction(async (store) => {
      if (user.active_user_persona_id === id) await store.users.setActiveUserPersona(user.id, null);
      await store.userPersonas.delete(user.id, id);
    });
  }

  async setActive(user: UserRow, id: string): Promise<UserPersona> {
    const row = await this.findRow(user, id);
    await this.store.users.setActiveUserPersona(user.id, id);
    return toUserPersona(row, id);
  }

  /** The active user persona, or a 404 when the user has chosen "No Persona". */
  async getActive(user: UserRow): Promise<UserPersona> {
    const activeId = user.active_user_persona_id;
    const row = activeId === null ? undefined : await this.store.userPersonas.find(user.id, activeId);
    if (!row) throw new NotFoundError("an active user persona (the user has none: No Persona)");
    return toUserPersona(row, activeId);
  }

  async clearActive(user: UserRow): Promise<void> {
    await this.store.users.setActiveUserPersona(user.id, null);
  }

  private async findRow(user: UserRow, id: string): Promise<UserPersonaRow> {
    const row = await this.store.userPersonas.find(user.id, id);
    if (!row) throw new NotFoundError(`user persona ${id}`);
    return row;
  }
}
