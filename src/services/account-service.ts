import { createHash, timingSafeEqual } from "node:crypto";
import type { Clock } from "../lib/clock.ts";
import type { RateLimits } from "../rate-limits/rate-limits.ts";
import { newId, randomToken } from "../lib/ids.ts";
import {
  DEFAULT_PASSWORD_COST,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptCost,
} from "../lib/password-hash.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { AccountRole, AccountRow, SessionRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import type { ApiKeyScope } from "./api-key-service.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../errors/app-error.ts";
import { DEFAULT_TENANT_ID } from "./tenant-service.ts";
import type { UserService } from "./user-service.ts";

export const ACCOUNT_ROLES = ["admin", "member"] as const satisfies readonly AccountRole[];

/** An account as the API shows it: never the password hash. */
export interface AccountSummary {
  id: string;
  tenant_id: string;
  user_id: string;
  email: string;
  name: string;
  role: AccountRole;
  /** A member an admin let change every persona of the tenant (admins always may). */
  can_edit_all: boolean;
  created_at: string;
}

export interface SignedInSession {
  /** the cookie value; only its hash is stored */
  token: string;
  csrfToken: string;
  account: AccountSummary;
  expiresAt: Date;
}

export interface NewAccount {
  email: string;
  password: string;
  name: string;
  role: AccountRole;
  /** see AccountSummary.can_edit_all; default false */
  can_edit_all?: boolean | undefined;
}

/** Sessions last two weeks from the last time they were extended. */
export const SESSION_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
/** Extending on every request would turn reads into writes; once a day is enough. */
const SESSION_EXTEND_AFTER_MS = 24 * 60 * 60 * 1000;

export const PASSWORD_MIN_LENGTH = 10;

/** Scopes a signed-in person acts with: admins manage keys, providers and accounts; members do the rest. */
export function scopesForRole(role: AccountRole): ApiKeyScope[] {
  return role === "admin" ? ["admin"] : ["write"];
}

function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function toSummary(row: AccountRow): AccountSummary {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    can_edit_all: row.can_edit_all === 1,
    created_at: row.created_at,
  };
}

export class AccountService {
  /** Required by first-start setup; set by the server when no account exists yet. */
  private setupToken: string | undefined;
  /** A hash to verify against when the email is unknown, so both answers take as long. */
  private decoyHash: Promise<string> | undefined;
  /** scrypt cost of new hashes; older, cheaper hashes are replaced at the next sign-in. */
  private readonly passwordCost: ScryptCost;

  private readonly store: Store;
  private readonly clock: Clock;
  private readonly users: UserService;
  private readonly throttle: Pick<
    RateLimits,
    "assertSignInAllowed" | "recordSignInFailure" | "clearSignInFailures"
  >;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    users: UserService;
    /**
     * Counts failed sign-ins per email and per client address in the shared rate-limit store (Redis or
     * the database), so a lockout holds across processes and restarts.
     */
    throttle: Pick<RateLimits, "assertSignInAllowed" | "recordSignInFailure" | "clearSignInFailures">;
    /** scrypt cost of new hashes; default OWASP's minimum */
    passwordCost?: ScryptCost | undefined;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.users = dependencies.users;
    this.throttle = dependencies.throttle;
    this.passwordCost = dependencies.passwordCost ?? DEFAULT_PASSWORD_COST;
  }

  async setupRequired(): Promise<boolean> {
    return (await this.store.accounts.count()) === 0;
  }

  /**
   * Arms first-start setup when no account exists: returns the token the first admin must present
   * (the given one, or a random one), or undefined when setup is already done.
   */
  async prepareSetup(token?: string): Promise<string | undefined> {
    if (!(await this.setupRequired())) return undefined;
    this.setupToken = token ?? randomToken(24);
    return this.setupToken;
  }

  /**
   * Creates the first admin in the default tenant and signs them in. Wrong tokens count as failed
   * sign-ins of the client address, so the token cannot be guessed faster than passwords.
   */
  async setup(
    token: string,
    account: Omit<NewAccount, "role">,
    clientAddress = "unknown",
  ): Promise<SignedInSession> {
    if (!(await this.setupRequired()))
      throw new ConflictError("setup is done: an admin account already exists");
    await this.throttle.assertSignInAllowed(undefined, clientAddress);
    const expected = this.setupToken;
    if (expected === undefined || !sameText(token, expected)) {
      await this.throttle.recordSignInFailure(undefined, clientAddress);
      throw new ForbiddenError("the setup token is wrong: use the one printed in the server's log at start");
    }
    const created = await this.create(DEFAULT_TENANT_ID, { ...account, role: "admin" });
    this.setupToken = undefined;
    return this.startSession(created);
  }

  /**
   * Signs in with email and password. Failures are counted per email (from anywhere) and per client
   * address (across emails, against password spraying); past either limit sign-in answers 429 until the
   * window passes, even for the right password.
   */
  async signIn(email: string, password: string, clientAddress = "unknown"): Promise<SignedInSession> {
    const normalised = normaliseEmail(email);
    await this.throttle.assertSignInAllowed(normalised, clientAddress);
    const row = await this.store.accounts.findByEmail(normalised);
    this.decoyHash ??= hashPassword(randomToken(20), this.passwordCost);
    const valid = await verifyPassword(password, row?.password_hash ?? (await this.decoyHash));
    if (!row || !valid) {
      await this.throttle.recordSignInFailure(normalised, clientAddress);
      throw new UnauthorizedError("the email or password is wrong");
    }
    await this.throttle.clearSignInFailures(normalised);
    if (needsRehash(row.password_hash, this.passwordCost)) {
      // The password was just proven: store it again at today's cost (hashes from before a cost rise).
      await this.store.accounts.update(row.id, {
        password_hash: await hashPassword(password, this.passwordCost),
      });
    }
    return this.startSession(toSummary(row));
  }

  /** The account behind a session cookie, or undefined when it is unknown or expired. */
  async authenticate(token: string): Promise<{ account: AccountSummary; csrfToken: string } | undefined> {
    const tokenHash = hashSessionToken(token);
    const now = this.clock.now();
    const found = await this.store.accounts.findSession(tokenHash, now.toISOString());
    if (!found) return undefined;
    const remaining = Date.parse(found.session.expires_at) - now.getTime();
    if (SESSION_LIFETIME_MS - remaining > SESSION_EXTEND_AFTER_MS) {
      await this.store.accounts.extendSession(
        tokenHash,
        new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString(),
      );
    }
    return { account: toSummary(found.account), csrfToken: found.session.csrf_token };
  }

  async signOut(token: string): Promise<void> {
    await this.store.accounts.deleteSession(hashSessionToken(token));
  }

  async list(tenantId: string): Promise<AccountSummary[]> {
    return (await this.store.accounts.list(tenantId)).map(toSummary);
  }

  async get(tenantId: string, id: string): Promise<AccountSummary> {
    const row = await this.store.accounts.findById(tenantId, id);
    if (!row) throw new NotFoundError(`account ${id}`);
    return toSummary(row);
  }

  /** Creates an account and the tenant user it acts as (the user whose X-Dramatis-User is the email). */
  async create(tenantId: string, account: NewAccount): Promise<AccountSummary> {
    const email = normaliseEmail(account.email);
    validateAccount({ ...account, email });
    const passwordHash = await hashPassword(account.password, this.passwordCost);
    const user = await this.users.resolve(tenantId, email);
    const now = this.clock.now().toISOString();
    const row: AccountRow = {
      id: newId("acc"),
      tenant_id: tenantId,
      user_id: user.id,
      email,
      name: account.name.trim(),
      role: account.role,
      can_edit_all: account.can_edit_all === true ? 1 : 0,
      password_hash: passwordHash,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.store.accounts.insert(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`an account with the email ${email} exists already`);
      throw error;
    }
    return toSummary(row);
  }

  async update(
    tenantId: string,
    id: string,
    changes: {
      name?: string | undefined;
      role?: AccountRole | undefined;
      password?: string | undefined;
      can_edit_all?: boolean | undefined;
    },
  ): Promise<AccountSummary> {
    if (changes.password !== undefined) validatePassword(changes.password, "password");
    // Hashed before the transaction: it takes ~50 ms and needs no lock.
    const passwordHash =
      changes.password === undefined ? undefined : await hashPassword(changes.password, this.passwordCost);
    return this.store.transaction(async (store) => {
      const row = await store.accounts.findById(tenantId, id);
      if (!row) throw new NotFoundError(`account ${id}`);
      if (
        changes.role === "member" &&
        row.role === "admin" &&
        (await store.accounts.countAdmins(tenantId)) <= 1
      ) {
        throw new ConflictError("this is the tenant's last admin: make another admin first");
      }
      const updated: AccountRow = {
        ...row,
        name: changes.name?.trim() ?? row.name,
        role: changes.role ?? row.role,
        can_edit_all: changes.can_edit_all === undefined ? row.can_edit_all : changes.can_edit_all ? 1 : 0,
        updated_at: this.clock.now().toISOString(),
      };
      await store.accounts.update(id, {
        name: updated.name,
        role: updated.role,
        can_edit_all: updated.can_edit_all,
        updated_at: updated.updated_at,
        ...(passwordHash === undefined ? {} : { password_hash: passwordHash }),
      });
      // A password set by an admin (a forgotten one) ends the person's sessions everywhere.
      if (passwordHash !== undefined) await store.accounts.deleteSessionsOf(id);
      return toSummary(updated);
    });
  }

  async remove(tenantId: string, id: string, actingAccountId: string): Promise<void> {
    if (id === actingAccountId) throw new ConflictError("you cannot remove your own account");
    const row = await this.store.accounts.findById(tenantId, id);
    if (!row) throw new NotFoundError(`account ${id}`);
    await this.store.accounts.delete(id);
  }

  /** Changes the password and signs the account out of every other session. */
  async changePassword(
    account: Pick<AccountSummary, "id" | "tenant_id">,
    passwords: { current: string; next: string },
    keepSessionToken: string,
  ): Promise<void> {
    const accountId = account.id;
    const currentPassword = passwords.current;
    const newPassword = passwords.next;
    const row = await this.store.accounts.findById(account.tenant_id, accountId);
    if (!row) throw new NotFoundError(`account ${accountId}`);
    if (!(await verifyPassword(currentPassword, row.password_hash))) {
      throw new ValidationError([{ field: "current_password", message: "is wrong" }]);
    }
    validatePassword(newPassword, "new_password");
    await this.store.accounts.update(accountId, {
      password_hash: await hashPassword(newPassword, this.passwordCost),
      updated_at: this.clock.now().toISOString(),
    });
    await this.store.accounts.deleteSessionsOf(accountId, hashSessionToken(keepSessionToken));
  }

  private async startSession(account: AccountSummary): Promise<SignedInSession> {
    const token = randomToken(43);
    const csrfToken = randomToken(32);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
    const session: SessionRow = {
      token_hash: hashSessionToken(token),
      account_id: account.id,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    };
    await this.store.accounts.deleteExpiredSessions(now.toISOString());
    await this.store.accounts.insertSession(session);
    return { token, csrfToken, account, expiresAt };
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Equal texts, compared in constant time. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function passwordProblem(password: string, field: string): { field: string; message: string } | undefined {
  if (password.length >= PASSWORD_MIN_LENGTH && password.length <= 200) return undefined;
  return { field, message: `must be ${PASSWORD_MIN_LENGTH}-200 characters` };
}

function validatePassword(password: string, field: string): void {
  const problem = passwordProblem(password, field);
  if (problem) throw new ValidationError([problem]);
}

function validateAccount(account: NewAccount): void {
  const errors: { field: string; message: string }[] = [];
  if (!EMAIL_PATTERN.test(account.email) || account.email.length > 200) {
    errors.push({ field: "email", message: "must be an email address" });
  }
  const password = passwordProblem(account.password, "password");
  if (password) errors.push(password);
  if (account.name.trim().length > 100)
    errors.push({ field: "name", message: "must be at most 100 characters" });
  if (!ACCOUNT_ROLES.includes(account.role))
    errors.push({ field: "role", message: "must be admin or member" });
  if (errors.length > 0) throw new ValidationError(errors);
}
