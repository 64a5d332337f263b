import type { Insertable, Kysely, Updateable } from "kysely";
import type {
  Database,
  WhatsAppContactRow,
  WhatsAppContactTable,
  WhatsAppLinkCodeRow,
  WhatsAppNumberRow,
  WhatsAppReceiptRow,
  WhatsAppReceiptTable,
} from "./schema.ts";

/** Persona WhatsApp numbers, the people who message them, link codes, and receipts that absorb redeliveries. */
export class WhatsAppRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // Persona numbers

  /** Binds a number; false when it is already bound (to any persona of any tenant). */
  async insertNumber(row: WhatsAppNumberRow): Promise<boolean> {
    const result = await this.db
      .insertInto("whatsapp_numbers")
      .values(row)
      .onConflict((conflict) => conflict.column("phone_number_id").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async findNumber(phoneNumberId: string): Promise<WhatsAppNumberRow | undefined> {
    return this.db
      .selectFrom("whatsapp_numbers")
      .selectAll()
      .where("phone_number_id", "=", phoneNumberId)
      .executeTakeFirst();
  }

  /** A persona's numbers, oldest first; or every number of the tenant without a persona. */
  async listNumbers(tenantId: string, personaId?: string): Promise<WhatsAppNumberRow[]> {
    let query = this.db.selectFrom("whatsapp_numbers").selectAll().where("tenant_id", "=", tenantId);
    if (personaId !== undefined) query = query.where("persona_id", "=", personaId);
    return query.orderBy("created_at").orderBy("phone_number_id").execute();
  }

  async deleteNumber(tenantId: string, personaId: string, phoneNumberId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("whatsapp_numbers")
      .where("tenant_id", "=", tenantId)
      .where("persona_id", "=", personaId)
      .where("phone_number_id", "=", phoneNumberId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  // Contacts

  /** The tenant's row for a WhatsApp id, created (unlinked) on first sight. */
  async ensureContact(row: Insertable<WhatsAppContactTable>): Promise<WhatsAppContactRow> {
    await this.db
      .insertInto("whatsapp_contacts")
      .values(row)
      .onConflict((conflict) => conflict.columns(["tenant_id", "wa_id"]).doNothing())
      .execute();
    const contact = await this.findContact(row.tenant_id, row.wa_id);
    if (!contact) throw new Error(`whatsapp contact ${row.wa_id} vanished right after it was stored`);
    return contact;
  }

  async findContact(tenantId: string, waId: string): Promise<WhatsAppContactRow | undefined> {
    return this.db
      .selectFrom("whatsapp_contacts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("wa_id", "=", waId)
      .executeTakeFirst();
  }

  async updateContact(id: string, changes: Updateable<WhatsAppContactTable>): Promise<void> {
    await this.db.updateTable("whatsapp_contacts").set(changes).where("id", "=", id).execute();
  }

  /** The WhatsApp numbers linked to a user, most recently linked first. */
  async listContactsOfUser(tenantId: string, userId: string): Promise<WhatsAppContactRow[]> {
    return this.db
      .selectFrom("whatsapp_contacts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .orderBy("linked_at", "desc")
      .orderBy("wa_id")
      .execute();
  }

  /** Sets instructed_at unless the contact was instructed since `notSince`; true when this call claimed it. */
  async claimInstructions(id: string, now: string, notSince: string): Promise<boolean> {
    const result = await this.db
      .updateTable("whatsapp_contacts")
      .set({ instructed_at: now })
      .where("id", "=", id)
      .where((where) => where.or([where("instructed_at", "is", null), where("instructed_at", "<", notSince)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  // Link codes

  async insertLinkCode(row: WhatsAppLinkCodeRow): Promise<void> {
    await this.db.insertInto("whatsapp_link_codes").values(row).execute();
  }

  /** Removes a live code of the tenant and returns it: each code links once. */
  async takeLinkCode(
    tenantId: string,
    codeHash: string,
    now: string,
  ): Promise<WhatsAppLinkCodeRow | undefined> {
    return this.db
      .deleteFrom("whatsapp_link_codes")
      .where("tenant_id", "=", tenantId)
      .where("code_hash", "=", codeHash)
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
  }

  /** A user asking for a new code retires their earlier ones (and everyone's expired ones go). */
  async deleteLinkCodesOfUser(userId: string, now: string): Promise<void> {
    await this.db
      .deleteFrom("whatsapp_link_codes")
      .where((where) => where.or([where("user_id", "=", userId), where("expires_at", "<=", now)]))
      .execute();
  }

  // Receipts of inbound messages

  /** Records an inbound message; false when its id was already recorded (a redelivery). */
  async claimReceipt(row: Insertable<WhatsAppReceiptTable>): Promise<boolean> {
    const result = await this.db
      .insertInto("whatsapp_receipts")
      .values(row)
      .onConflict((conflict) => conflict.column("message_id").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async findReceipt(messageId: string): Promise<WhatsAppReceiptRow | undefined> {
    return this.db
      .selectFrom("whatsapp_receipts")
      .selectAll()
      .where("message_id", "=", messageId)
      .executeTakeFirst();
  }

  async updateReceipt(messageId: string, changes: Updateable<WhatsAppReceiptTable>): Promise<void> {
    await this.db.updateTable("whatsapp_receipts").set(changes).where("message_id", "=", messageId).execute();
  }

  /** Forgets a receipt whose handling failed, so Meta's next delivery of it is handled afresh. */
  async deleteReceipt(messageId: string): Promise<void> {
    await this.db.deleteFrom("whatsapp_receipts").where("message_id", "=", messageId).execute();
  }

  /** Where the user last wrote to the persona from and to (a proactive message goes back the same way). */
  async findLastReceipt(userId: string, personaId: string): Promise<WhatsAppReceiptRow | undefined> {
    return this.db
      .selectFrom("whatsapp_receipts")
      .innerJoin("whatsapp_numbers", "whatsapp_numbers.phone_number_id", "whatsapp_receipts.phone_number_id")
      .selectAll("whatsapp_receipts")
      .where("whatsapp_receipts.user_id", "=", userId)
      .where("whatsapp_receipts.persona_id", "=", personaId)
      .where("whatsapp_numbers.persona_id", "=", personaId)
      .orderBy("whatsapp_receipts.created_at", "desc")
      .limit(1)
      .executeTakeFirst();
  }
}
