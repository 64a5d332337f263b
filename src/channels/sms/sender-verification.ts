import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import {
  ConflictError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
} from "../../errors/app-error.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import type { SmsContactRow, UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { verificationCodeText } from "./sms-keywords.ts";
import { parseSmsNumber } from "./sms-phone-numbers.ts";
import { SmsNotConfiguredError, type SmsSender } from "./sms-sender.ts";

const CODE_LIFETIME_MS = 10 * 60_000;
/** A new code for the same number no sooner than this after the last one. */
const CODE_RESEND_INTERVAL_MS = 30_000;
const MAX_CODE_ATTEMPTS = 5;

/** A user's phone number as the API shows it. */
export interface SenderPhoneNumber {
  phone_number: string;
  /** `pending`: a code was sent and awaits confirmation; `verified`: texts from it reach the user's conversations */
  status: "pending" | "verified";
  /** true after the number texted STOP: nothing is sent to it until it texts START */
  opted_out: boolean;
  verified_at: string | null;
  code_expires_at: string | null;
}

function toSenderPhoneNumber(row: SmsContactRow, userId: string): SenderPhoneNumber {
  const verified = row.user_id === userId && row.verified_at !== null;
  return {
    phone_number: row.phone_number,
    status: verified ? "verified" : "pending",
    opted_out: row.opted_out_at !== null,
    verified_at: verified ? row.verified_at : null,
    code_expires_at: verified ? null : row.code_expires_at,
  };
}

function hashCode(contactId: string, code: string): string {
  return createHash("sha256").update(`${contactId}:${code}`).digest("hex");
}

/**
 * Proves that a user holds a phone before its texts reach their conversations: the user names the
 * number, a six-digit code goes to it by SMS, and confirming the code binds the number to the user.
 * Whoever confirms a code holds the phone, so a number verified to one user moves to another who
 * confirms a new code for it.
 */
export class SenderVerification {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly sender: SmsSender;

  constructor(dependencies: { store: Store; clock: Clock; personas: PersonaService; sender: SmsSender }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.sender = dependencies.sender;
  }

  async list(user: UserRow): Promise<SenderPhoneNumber[]> {
    const rows = await this.store.sms.listContactsOfUser(user.tenant_id, user.id);
    return rows.map((row) => toSenderPhoneNumber(row, user.id));
  }

  /**
   * Texts a verification code to the number, from the named persona's number (else the tenant's first).
   * Returns the number as it now stands and whether a code went out (not when already verified).
   *
   * @example await verification.start(user, { phone_number: "+14155550111" })
   */
  async start(
    user: UserRow,
    input: { phone_number: string; persona_id?: string | undefined },
  ): Promise<{ phoneNumber: SenderPhoneNumber; codeSent: boolean }> {
    const phoneNumber = parseSmsNumber(input.phone_number, "phone_number");
    if (!this.sender.configured) throw new SmsNotConfiguredError();
    const from = await this.numberToSendFrom(user.tenant_id, input.persona_id);
    const now = this.clock.now();
    const contact = await this.store.sms.ensureContact({
      id: newId("smc"),
      tenant_id: user.tenant_id,
      phone_number: phoneNumber,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    });
    if (contact.user_id === user.id && contact.verified_at !== null) {
      return { phoneNumber: toSenderPhoneNumber(contact, user.id), codeSent: false };
    }
    if (contact.opted_out_at) throw this.optedOut(phoneNumber);
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const changes = {
      pending_user_id: user.id,
      code_hash: hashCode(contact.id, code),
      code_sent_at: now.toISOString(),
      code_expires_at: new Date(now.getTime() + CODE_LIFETIME_MS).toISOString(),
      code_attempts: 0,
      updated_at: now.toISOString(),
    };
    const notSince = new Date(now.getTime() - CODE_RESEND_INTERVAL_MS).toISOString();
    if (!(await this.store.sms.claimCodeSend(contact.id, changes, notSince))) {
      throw new TooManyRequestsError(
        `a code was just sent to ${phoneNumber}; ask for another in ${CODE_RESEND_INTERVAL_MS / 1000} seconds`,
        Math.ceil(CODE_RESEND_INTERVAL_MS / 1000),
      );
    }
    try {
      const result = await this.sender.send({
        tenantId: user.tenant_id,
        from,
        to: phoneNumber,
        body: verificationCodeText(code),
        userId: user.id,
      });
      if (result.status === "skipped") throw this.optedOut(phoneNumber);
    } catch (error) {
      // Nothing reached the phone: let the user ask again at once.
      await this.store.sms.updateContact(contact.id, {
        code_hash: null,
        code_sent_at: null,
        code_expires_at: null,
      });
      throw error;
    }
    return { phoneNumber: toSenderPhoneNumber({ ...contact, ...changes }, user.id), codeSent: true };
  }

  /**
   * Confirms the code sent to the number; the number is then the user's. 404 when no code is
   * outstanding for this user, 422 (field `code`) when it is wrong, expired or guessed too often.
   */
  async confirm(user: UserRow, input: { phone_number: string; code: string }): Promise<SenderPhoneNumber> {
    const phoneNumber = parseSmsNumber(input.phone_number, "phone_number");
    const contact = await this.store.sms.findContact(user.tenant_id, phoneNumber);
    if (!contact || contact.pending_user_id !== user.id || contact.code_hash === null) {
      throw new NotFoundError(`a pending verification of ${phoneNumber}`);
    }
    const now = this.clock.now().toISOString();
    if (contact.code_expires_at === null || contact.code_expires_at <= now) {
      throw new ValidationError([{ field: "code", message: "has expired: ask for a new code" }]);
    }
    if (!(await this.store.sms.countCodeAttempt(contact.id, MAX_CODE_ATTEMPTS))) {
      throw new ValidationError([
        { field: "code", message: "was guessed wrong too often: ask for a new code" },
      ]);
    }
    const expected = Buffer.from(contact.code_hash, "hex");
    const presented = Buffer.from(hashCode(contact.id, input.code.trim()), "hex");
    if (!timingSafeEqual(expected, presented)) {
      throw new ValidationError([{ field: "code", message: "is not the code we sent" }]);
    }
    const verified = {
      user_id: user.id,
      verified_at: now,
      pending_user_id: null,
      code_hash: null,
      code_sent_at: null,
      code_expires_at: null,
      code_attempts: 0,
      updated_at: now,
    };
    await this.store.sms.updateContact(contact.id, verified);
    return toSenderPhoneNumber({ ...contact, ...verified }, user.id);
  }

  /** Unbinds the number from the user (or drops the user's outstanding code for it). */
  async remove(user: UserRow, phoneNumber: string): Promise<void> {
    const normalized = phoneNumber.replace(/[\s\-.()]/g, "");
    const contact = await this.store.sms.findContact(user.tenant_id, normalized);
    const now = this.clock.now().toISOString();
    if (contact?.user_id === user.id) {
      await this.store.sms.updateContact(contact.id, { user_id: null, verified_at: null, updated_at: now });
    } else if (contact?.pending_user_id === user.id) {
      const cleared = { pending_user_id: null, code_hash: null, code_sent_at: null, code_expires_at: null };
      await this.store.sms.updateContact(contact.id, { ...cleared, updated_at: now });
    } else {
      throw new NotFoundError(`phone number ${phoneNumber}`);
    }
  }

  private async numberToSendFrom(tenantId: string, personaId: string | undefined): Promise<string> {
    if (personaId !== undefined) {
      await this.personas.get(tenantId, personaId);
      const [first] = await this.store.sms.listPhoneNumbers(tenantId, personaId);
      if (!first) {
        throw new ValidationError([
          {
            field: "persona_id",
            message: "has no phone number: bind one with POST /v1/personas/{id}/phone-numbers",
          },
        ]);
      }
      return first.phone_number;
    }
    const first = await this.store.sms.findFirstPhoneNumberOfTenant(tenantId);
    if (!first) {
      throw new ConflictError(
        "no persona has a phone number to send the code from: bind one with POST /v1/personas/{id}/phone-numbers",
      );
    }
    return first.phone_number;
  }

  private optedOut(phoneNumber: string): ConflictError {
    return new ConflictError(
      `${phoneNumber} has opted out of SMS (it texted STOP); text START to a persona's number to opt back in`,
    );
  }
}
