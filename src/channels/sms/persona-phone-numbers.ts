import type { Clock } from "../../lib/clock.ts";
import { ConflictError, NotFoundError } from "../../errors/app-error.ts";
import type { PersonaEditor } from "../../services/persona-editor.ts";
import type { PersonaService } from "../../services/persona-service.ts";
import type { SmsPhoneNumberRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { parseSmsNumber } from "./sms-phone-numbers.ts";

/** A persona's phone number as the API shows it. */
export interface PersonaPhoneNumber {
  phone_number: string;
  persona_id: string;
  created_at: string;
}

export interface PersonaPhoneNumberList {
  data: PersonaPhoneNumber[];
  /** The persona's `features.sms` as it answers now: texts to its numbers are only answered when true. */
  sms_enabled: boolean;
}

function toPhoneNumber(row: SmsPhoneNumberRow): PersonaPhoneNumber {
  return { phone_number: row.phone_number, persona_id: row.persona_id, created_at: row.created_at };
}

/**
 * The Twilio numbers a persona texts from and is texted at. Binding is the tenant's business (its own
 * personas only); a number belongs to one persona on the whole server, since Twilio posts each
 * number's texts to one webhook.
 */
export class PersonaPhoneNumbers {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;

  constructor(dependencies: { store: Store; clock: Clock; personas: PersonaService }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
  }

  async list(tenantId: string, personaId: string): Promise<PersonaPhoneNumberList> {
    const { definition } = await this.personas.getServingDefinition(tenantId, personaId);
    const rows = await this.store.sms.listPhoneNumbers(tenantId, personaId);
    return { data: rows.map(toPhoneNumber), sms_enabled: definition.features.sms };
  }

  /**
   * Binds a US or Canadian number; binding it again to the same persona changes nothing.
   *
   * @example await numbers.bind("ten_1", "psn_1", { phone_number: "+14155550100" })
   */
  async bind(
    editor: PersonaEditor,
    personaId: string,
    input: { phone_number: string },
  ): Promise<{ phoneNumber: PersonaPhoneNumber; created: boolean }> {
    const { tenantId } = editor;
    await this.personas.getEditable(editor, personaId);
    const phoneNumber = parseSmsNumber(input.phone_number, "phone_number");
    const row: SmsPhoneNumberRow = {
      phone_number: phoneNumber,
      tenant_id: tenantId,
      persona_id: personaId,
      created_at: this.clock.now().toISOString(),
    };
    if (await this.store.sms.insertPhoneNumber(row))
      return { phoneNumber: toPhoneNumber(row), created: true };
    const existing = await this.store.sms.findPhoneNumber(phoneNumber);
    if (existing && existing.tenant_id === tenantId && existing.persona_id === personaId) {
      return { phoneNumber: toPhoneNumber(existing), created: false };
    }
    throw new ConflictError(`${phoneNumber} is already bound to another persona; unbind it there first`);
  }

  async unbind(editor: PersonaEditor, personaId: string, phoneNumber: string): Promise<void> {
    const { tenantId } = editor;
    await this.personas.getEditable(editor, personaId);
    const normalized = phoneNumber.replace(/[\s\-.()]/g, "");
    if (!(await this.store.sms.deletePhoneNumber(tenantId, personaId, normalized))) {
      throw new NotFoundError(`phone number ${phoneNumber} of persona ${personaId}`);
    }
  }
}
