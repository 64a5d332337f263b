import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { BadRequestError } from "../errors/app-error.ts";

export const USER_HEADER = "X-Dramatis-User";

/** External ids come from the caller's own system: any printable text up to 200 characters. */
const EXTERNAL_ID_PATTERN = /^[\x20-\x7e\u00a0-\uffff]{1,200}$/;

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The tenant's user with this external id, created on first use. */
  async resolve(tenantId: string, externalId: string): Promise<UserRow> {
    const trimmed = externalId.trim();
    if (!EXTERNAL_ID_PATTERN.test(trimmed)) {
      throw new BadRequestError(`the ${USER_HEADER} header must be 1-200 printable characters`, [
        { field: USER_HEADER, message: "must be 1-200 printable characters" },
      ]);
    }
    return this.store.users.findOrInsert({
      id: newId("usr"),
      tenant_id: tenantId,
      external_id: trimmed,
      active_user_persona_id: null,
      active_persona_id: null,
      inbox_read_at: null,
      inbox_sequence: 0,
      created_at: this.clock.now().toISOString(),
    });
  }
}
