import { sql, type Insertable, type Kysely, type Updateable } from "kysely";
import type {
  Database,
  SmsContactRow,
  SmsContactTable,
  SmsPhoneNumberRow,
  SmsReceiptRow,
  SmsReceiptTable,
} from "./schema.ts";

/** Persona phone numbers, the phones that text them, and the inbound receipts that absorb redeliveries. */
export class SmsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // Persona phone numbers

  /** Binds a number; false when it is already bound (to any persona of any tenant). */
  async insertPhoneNumber(row: SmsPhoneNumberRow): Promise<boolean> {
    const result = await this.db
      .insertInto("sms_phone_numbers")
      .values(row)
      .onConflict((conflict) => conflict.column("phone_number").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async findPhoneNumber(phoneNumber: string): Promise<SmsPhoneNumberRow | undefined> {
    return this.db
      .selectFrom("sms_phone_numbers")
      .selectAll()
      .where("phone_number", "=", phoneNumber)
      .executeTakeFirst();
  }

  /** A persona's numbers, oldest first (the first is the one it texts from unless told otherwise). */
  async listPhoneNumbers(tenantId: string, personaId: string): Promise<SmsPhoneNumberRow[]> {
    return this.db
      .selectFrom("sms_phone_numbers")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("persona_id", "=", personaId)
      .orderBy("created_at")
      .orderBy("phone_number")
      .execute();
  }

  /** The tenant's oldest number: verification codes go out from it when no persona is named. */
  async findFirstPhoneNumberOfTenant(tenantId: string): Promise<SmsPhoneNumberRow | undefined> {
    return this.db
      .selectFrom("sms_phone_numbers")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("created_at")
      .orderBy("phone_number")
      .limit(1)
      .executeTakeFirst();
  }

  async deletePhoneNumber(tenantId: string, personaId: string, phoneNumber: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("sms_phone_numbers")
      .where("tenant_id", "=", tenantId)
      .where("persona_id", "=", personaId)
      .where("phone_number", "=", phoneNumber)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  // Contacts: the phones that text a tenant's personas

  /** The tenant's row for a phone, created (unverified, not opted out) on first sight. */
  async ensureContact(row: Insertable<SmsContactTable>): Promise<SmsContactRow> {
    await this.db
      .insertInto("sms_contacts")
      .values(row)
      .onConflict((conflict) => conflict.columns(["tenant_id", "phone_number"]).doNothing())
      .execute();
    const contact = await this.findContact(row.tenant_id, row.phone_number);
    if (!contact) throw new Error(`sms contact ${row.phone_number} vanished right after it was stored`);
    return contact;
  }

  async findContact(tenantId: string, phoneNumber: string): Promise<SmsContactRow | undefined> {
    return this.db
      .selectFrom("sms_contacts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("phone_number", "=", phoneNumber)
      .executeTakeFirst();
  }

  /** Numbers verified to the user, or with a code outstanding for them. */
  async listContactsOfUser(tenantId: string, userId: string): Promise<SmsContactRow[]> {
    return this.db
      .selectFrom("sms_contacts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where((where) => where.or([where("user_id", "=", userId), where("pending_user_id", "=", userId)]))
      .orderBy("phone_number")
      .execute();
  }

  /** The number most recently verified to the user. */
  async findVerifiedContactOfUser(tenantId: string, userId: string): Promise<SmsContactRow | undefined> {
    return this.db
      .selectFrom("sms_contacts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("verified_at", "is not", null)
      .orderBy("verified_at", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  async updateContact(id: string, changes: Updateable<SmsContactTable>): Promise<void> {
    await this.db.updateTable("sms_contacts").set(changes).where("id", "=", id).execute();
  }

  /**
   * Stores a new outstanding code unless one was sent after `notSince`; false when one was (so two
   * requests at once send one code, and nobody can make the server text a number in a loop).
   */
  async claimCodeSend(id: string, changes: Updateable<SmsContactTable>, notSince: string): Promise<boolean> {
    const result = await this.db
      .updateTable("sms_contacts")
      .set(changes)
      .where("id", "=", id)
      .where((where) => where.or([where("code_sent_at", "is", null), where("code_sent_at", "<", notSince)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Counts one guess at the outstanding code, atomically, and only while guesses remain: concurrent
   * guesses cannot get past the limit. Returns false when none remained.
   */
  async countCodeAttempt(id: string, maxAttempts: number): Promise<boolean> {
    const result = await this.db
      .updateTable("sms_contacts")
      .set({ code_attempts: sql`code_attempts + 1` })
      .where("id", "=", id)
      .where("code_attempts", "<", maxAttempts)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Marks an unverified sender as told how to verify, unless that happened after `notSince`; false
   * when it did (so of several texts at once, one gets the instructions).
   */
  async claimInstructions(id: string, now: string, notSince: string): Promise<boolean> {
    const result = await this.db
      .updateTable("sms_contacts")
      .set({ instructed_at: now })
      .where("id", "=", id)
      .where((where) => where.or([where("instructed_at", "is", null), where("instructed_at", "<", notSince)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  // Receipts of inbound messages

  /** Records an inbound message; false when its MessageSid was already recorded (a redelivery). */
  async claimReceipt(row: Insertable<SmsReceiptTable>): Promise<boolean> {
    const result = await this.db
      .insertInto("sms_receipts")
      .values(row)
      .onConflict((conflict) => conflict.column("message_sid").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async findReceipt(messageSid: string): Promise<SmsReceiptRow | undefined> {
    return this.db
      .selectFrom("sms_receipts")
      .selectAll()
      .where("message_sid", "=", messageSid)
      .executeTakeFirst();
  }

  async updateReceipt(messageSid: string, changes: Updateable<SmsReceiptTable>): Promise<void> {
    await this.db.updateTable("sms_receipts").set(changes).where("message_sid", "=", messageSid).execute();
  }

  /** Forgets a receipt whose handling failed, so Twilio's next delivery of it is handled afresh. */
  async deleteReceipt(messageSid: string): Promise<void> {
    await this.db.deleteFrom("sms_receipts").where("message_sid", "=", messageSid).execute();
  }

  /** The persona number the user texted most recently (a reply goes back from it). */
  async findLastPersonaNumberTexted(userId: string, personaId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("sms_receipts")
      .innerJoin("sms_phone_numbers", "sms_phone_numbers.phone_number", "sms_receipts.to_number")
      .select("sms_receipts.to_number")
      .where("sms_receipts.user_id", "=", userId)
      .where("sms_receipts.persona_id", "=", personaId)
      .where("sms_phone_numbers.persona_id", "=", personaId)
      .orderBy("sms_receipts.created_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.to_number;
  }
}
