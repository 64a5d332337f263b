import type { Kysely } from "kysely";
import type { AccountRow, Database, SessionRow } from "./schema.ts";

/** Web sign-in accounts and their sessions. */
export class AccountRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom("accounts")
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async insert(row: AccountRow): Promise<void> {
    await this.db.insertInto("accounts").values(row).execute();
  }

  async findByEmail(email: string): Promise<AccountRow | undefined> {
    return this.db.selectFrom("accounts").selectAll().where("email", "=", email).executeTakeFirst();
  }

  async findById(tenantId: string, id: string): Promise<AccountRow | undefined> {
    return this.db
      .selectFrom("accounts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** The account of a user, if they sign in to the web app (API-only users have none). */
  async findByUserId(userId: string): Promise<AccountRow | undefined> {
    return this.db.selectFrom("accounts").selectAll().where("user_id", "=", userId).executeTakeFirst();
  }

  async list(tenantId: string): Promise<AccountRow[]> {
    return this.db
      .selectFrom("accounts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  async countAdmins(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom("accounts")
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .where("tenant_id", "=", tenantId)
      .where("role", "=", "admin")
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async update(
    id: string,
    changes: Partial<Pick<AccountRow, "name" | "role" | "can_edit_all" | "password_hash" | "updated_at">>,
  ): Promise<void> {
    await this.db.updateTable("accounts").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("accounts").where("id", "=", id).execute();
  }

  async insertSession(row: SessionRow): Promise<void> {
    await this.db.insertInto("sessions").values(row).execute();
  }

  /** The live session with this token hash, joined with its account (one query: every signed-in request). */
  async findSession(
    tokenHash: string,
    now: string,
  ): Promise<{ session: SessionRow; account: AccountRow } | undefined> {
    const row = await this.db
      .selectFrom("sessions")
      .innerJoin("accounts", "accounts.id", "sessions.account_id")
      .selectAll("accounts")
      .select([
        "sessions.token_hash as session_token_hash",
        "sessions.csrf_token as session_csrf_token",
        "sessions.created_at as session_created_at",
        "sessions.expires_at as session_expires_at",
      ])
      .where("sessions.token_hash", "=", tokenHash)
      .where("sessions.expires_at", ">", now)
      .executeTakeFirst();
    if (!row) return undefined;
    const { session_token_hash, session_csrf_token, session_created_at, session_expires_at, ...account } =
      row;
    return {
      session: {
        token_hash: session_token_hash,
        account_id: account.id,
        csrf_token: session_csrf_token,
        created_at: session_created_at,
        expires_at: session_expires_at,
      },
      account,
    };
  }

  async extendSession(tokenHash: string, expiresAt: string): Promise<void> {
    await this.db
      .updateTable("sessions")
      .set({ expires_at: expiresAt })
      .where("token_hash", "=", tokenHash)
      .execute();
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("token_hash", "=", tokenHash).execute();
  }

  /** Signs an account out everywhere, except optionally the session doing it. */
  async deleteSessionsOf(accountId: string, except?: string): Promise<void> {
    let query = this.db.deleteFrom("sessions").where("account_id", "=", accountId);
    if (except !== undefined) query = query.where("token_hash", "!=", except);
    await query.execute();
  }

  async deleteExpiredSessions(now: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("expires_at", "<=", now).execute();
  }
}
