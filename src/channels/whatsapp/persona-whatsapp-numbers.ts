import type { Clock } from "../../lib/clock.ts";
import { ConflictError, NotFoundError } from "../../errors/app-error.ts";
import type { PersonaEditor } from "../../services/persona-editor.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import type { WhatsAppNumberRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";

/** A persona's WhatsApp number as the API shows it. */
export interface PersonaWhatsAppNumber {
  phone_number_id: string;
  display_phone_number: string;
  persona_id: string;
  created_at: string;
}

function toNumber(row: WhatsAppNumberRow): PersonaWhatsAppNumber {
  return {
    phone_number_id: row.phone_number_id,
    display_phone_number: row.display_phone_number,
    persona_id: row.persona_id,
    created_at: row.created_at,
  };
}

/**
 * The WhatsApp Business numbers a persona answers on, named by Meta's phone number id (what the webhook
 * reports and the Graph API sends from). Binding is the tenant's business (its own personas only) and
 * is what turns WhatsApp on for the persona; a number belongs to one persona on the whole server.
 */
export class PersonaWhatsAppNumbers {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;

  constructor(dependencies: { store: Store; clock: Clock; personas: PersonaService }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
  }

  async list(tenantId: string, personaId: string): Promise<{ data: PersonaWhatsAppNumber[] }> {
    await this.personas.getOwn(tenantId, personaId);
    return { data: (await this.store.whatsapp.listNumbers(tenantId, personaId)).map(toNumber) };
  }

  /**
   * Binds a number; binding it again to the same persona changes nothing (200).
   *
   * @example await numbers.bind("ten_1", "psn_1", { phone_number_id: "106540352242922", display_phone_number: "+1 415 555 0100" })
   */
  async bind(
    editor: PersonaEditor,
    personaId: string,
    input: { phone_number_id: string; display_phone_number: string },
  ): Promise<{ number: PersonaWhatsAppNumber; created: boolean }> {
    const { tenantId } = editor;
    await this.personas.getEditable(editor, personaId);
    const phoneNumberId = input.phone_number_id.trim();
    const row: WhatsAppNumberRow = {
      phone_number_id: phoneNumberId,
      tenant_id: tenantId,
      persona_id: personaId,
      display_phone_number: input.display_phone_number.trim(),
      created_at: this.clock.now().toISOString(),
    };
    if (await this.store.whatsapp.insertNumber(row)) return { number: toNumber(row), created: true };
    const existing = await this.store.whatsapp.findNumber(phoneNumberId);
    if (existing && existing.tenant_id === tenantId && existing.persona_id === personaId) {
      return { number: toNumber(existing), created: false };
    }
    throw new ConflictError(
      `WhatsApp number ${phoneNumberId} is already bound to another persona; unbind it there first`,
    );
  }

  async unbind(editor: PersonaEditor, personaId: string, phoneNumberId: string): Promise<void> {
    const { tenantId } = editor;
    await this.personas.getEditable(editor, personaId);
    if (!(await this.store.whatsapp.deleteNumber(tenantId, personaId, phoneNumberId))) {
      throw new NotFoundError(`WhatsApp number ${phoneNumberId} of persona ${personaId}`);
    }
  }
}
