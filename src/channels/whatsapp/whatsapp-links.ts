import { createHash, randomInt } from "node:crypto";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import { NotFoundError } from "../../errors/app-error.ts";
import type { WhatsAppContactRow, UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { PersonaNames } from "../../services/proactive/scheduled-message-service.ts";

/** How long a link code works. */
const CODE_LIFETIME_MS = 15 * 60_000;
/** Wrong codes a sender may try per hour before their codes are no longer checked. */
const MAX_FAILED_ATTEMPTS = 5;
const FAILED_ATTEMPTS_WINDOW_MS = 60 * 60_000;
/** Crockford's base32 without the letters people misread (I, L, O, U). */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_PATTERN = /^\s*(?:link\s*:?\s*)?([0-9a-z]{4})[\s-]?([0-9a-z]{4})\s*$/i;

/** A user's linked WhatsApp as the API shows it. */
export interface WhatsAppContact {
  wa_id: string;
  profile_name: string | null;
  linked_at: string | null;
  /** the last message from it: personas may write to it on their own for 24 hours after */
  last_message_at: string | null;
}

/** A fresh link code, and where to send it. */
export interface WhatsAppLinkCode {
  /** e.g. "7KQ2-9MXD": sent from WhatsApp to a persona's number, it links the sender to the user */
  code: string;
  expires_at: string;
  send_to: { persona_id: string; persona_name: string; display_phone_number: string }[];
}

export type LinkAttempt = { outcome: "linked"; userId: string } | { outcome: "wrong_code" };

function toContact(row: WhatsAppContactRow): WhatsAppContact {
  return {
    wa_id: row.wa_id,
    profile_name: row.profile_name,
    linked_at: row.linked_at,
    last_message_at: row.last_inbound_at,
  };
}

function hashCode(code: string): string {
  return createHash("sha256").update(code).digest("hex");
}

/**
 * The code in a message that is nothing but a code ("7KQ2-9MXD", "link 7kq29mxd"), normalised. Codes
 * always hold a digit, so an eight-letter word ("birthday") is words, not a wrong code.
 */
export function readLinkCode(text: string): string | undefined {
  const match = CODE_PATTERN.exec(text);
  if (!match || !/\d/.test(`${match[1]}${match[2]}`)) return undefined;
  // Crockford's reading: O is zero, I and L are one.
  const normalized = `${match[1]}${match[2]}`.toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

/**
 * Links WhatsApp senders to users. The user creates a code in the app and sends it from WhatsApp to a
 * persona's number: that proves they hold the WhatsApp account (and opens Meta's 24-hour window in which
 * personas may write to them). Codes are random, stored hashed, work once for 15 minutes, and a sender
 * gets five wrong tries an hour.
 */
export class WhatsAppLinks {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** A new code for the user (their earlier ones stop working). */
  async createCode(user: UserRow): Promise<WhatsAppLinkCode> {
    const now = this.clock.now();
    let code = "";
    while (!/\d/.test(code)) {
      code = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
    }
    const formatted = `${code.slice(0, 4)}-${code.slice(4)}`;
    const expiresAt = new Date(now.getTime() + CODE_LIFETIME_MS).toISOString();
    await this.store.whatsapp.deleteLinkCodesOfUser(user.id, now.toISOString());
    await this.store.whatsapp.insertLinkCode({
      code_hash: hashCode(formatted),
      tenant_id: user.tenant_id,
      user_id: user.id,
      expires_at: expiresAt,
      created_at: now.toISOString(),
    });
    const names = new PersonaNames(this.store);
    const numbers = await this.store.whatsapp.listNumbers(user.tenant_id);
    return {
      code: formatted,
      expires_at: expiresAt,
      send_to: await Promise.all(
        numbers.map(async (number) => ({
          persona_id: number.persona_id,
          persona_name: await names.of(user.tenant_id, number.persona_id),
          display_phone_number: number.display_phone_number,
        })),
      ),
    };
  }

  async listContacts(user: UserRow): Promise<{ data: WhatsAppContact[] }> {
    return { data: (await this.store.whatsapp.listContactsOfUser(user.tenant_id, user.id)).map(toContact) };
  }

  /** Unlinks one of the user's WhatsApp numbers: its messages no longer reach them. */
  async unlink(user: UserRow, waId: string): Promise<void> {
    const contact = await this.store.whatsapp.findContact(user.tenant_id, waId.replace(/^\+/, ""));
    if (!contact || contact.user_id !== user.id) throw new NotFoundError(`WhatsApp number ${waId}`);
    const now = this.clock.now().toISOString();
    await this.store.whatsapp.updateContact(contact.id, { user_id: null, linked_at: null, updated_at: now });
  }

  /** The sender's row, created on first sight, with their latest profile name and message time. */
  async noteSender(tenantId: string, waId: string, profileName: string | null): Promise<WhatsAppContactRow> {
    const now = this.clock.now().toISOString();
    const contact = await this.store.whatsapp.ensureContact({
      id: newId("wac"),
      tenant_id: tenantId,
      wa_id: waId,
      profile_name: profileName,
      created_at: now,
      updated_at: now,
    });
    const changes = {
      last_inbound_at: now,
      updated_at: now,
      profile_name: profileName ?? contact.profile_name,
    };
    await this.store.whatsapp.updateContact(contact.id, changes);
    return { ...contact, ...changes };
  }

  /**
   * Checks a code a sender sent. A valid one links the sender to the code's user (moving the WhatsApp
   * from whoever had it: the sender holds it) and is used up.
   */
  async attempt(contact: WhatsAppContactRow, code: string): Promise<LinkAttempt> {
    const now = this.clock.now();
    const windowOpen =
      contact.failed_link_window_at !== null &&
      now.getTime() - Date.parse(contact.failed_link_window_at) < FAILED_ATTEMPTS_WINDOW_MS;
    const failures = windowOpen ? contact.failed_link_attempts : 0;
    if (failures >= MAX_FAILED_ATTEMPTS) return { outcome: "wrong_code" };
    const taken = await this.store.whatsapp.takeLinkCode(
      contact.tenant_id,
      hashCode(code),
      now.toISOString(),
    );
    if (!taken) {
      await this.store.whatsapp.updateContact(contact.id, {
        failed_link_attempts: failures + 1,
        failed_link_window_at: windowOpen ? contact.failed_link_window_at : now.toISOString(),
        updated_at: now.toISOString(),
      });
      return { outcome: "wrong_code" };
    }
    await this.store.whatsapp.updateContact(contact.id, {
      user_id: taken.user_id,
      linked_at: now.toISOString(),
      failed_link_attempts: 0,
      failed_link_window_at: null,
      updated_at: now.toISOString(),
    });
    return { outcome: "linked", userId: taken.user_id };
  }
}
