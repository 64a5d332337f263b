import { api, query, type Schema } from "../lib/api.ts";
import { useResource, type Resource } from "../lib/use-resource.ts";
import type { PersonaPhoneNumber } from "./channel-model.ts";

type Persona = Schema<"Persona">;

/**
 * How many personas' numbers the Settings screen asks for. There is no one request for every persona
 * number, so each persona costs one; past this many the screen falls back to a hint.
 */
const PERSONAS_ASKED = 20;

/** A persona number a verified phone can text. */
export interface NumberToText {
  personaId: string;
  personaName: string;
  phoneNumber: string;
  /** whether the persona answers texts now (its features.sms in the version that answers) */
  answers: boolean;
}

export interface NumbersToText {
  numbers: NumberToText[];
  /** true when there are more personas than were asked about */
  partial: boolean;
}

/** The tenant's persona numbers, read persona by persona (the first PERSONAS_ASKED personas). */
export function useNumbersToText(key: string | null): Resource<NumbersToText> {
  return useResource(key === null ? null : `numbers-to-text:${key}`, async () => {
    const page = await api<{ data: Persona[]; next_cursor: string | null }>(
      "GET",
      `/v1/personas${query({ kind: "persona", limit: PERSONAS_ASKED })}`,
    );
    const perPersona = await Promise.all(
      page.data.map(async (persona) => {
        const numbers = await api<{ data: PersonaPhoneNumber[]; sms_enabled: boolean }>(
          "GET",
          `/v1/personas/${encodeURIComponent(persona.id)}/phone-numbers`,
        );
        return numbers.data.map((number) => ({
          personaId: persona.id,
          personaName: persona.name || "Untitled persona",
          phoneNumber: number.phone_number,
          answers: numbers.sms_enabled,
        }));
      }),
    );
    return { numbers: perPersona.flat(), partial: page.next_cursor !== null };
  });
}

/**
 * Which numbers a verified phone can text, and who answers at each; a short hint when they could not
 * be listed (or none answers yet).
 */
export function SmsNumbersToText({ resource }: { resource: Resource<NumbersToText> }) {
  const answering = resource.data?.numbers.filter((number) => number.answers) ?? [];
  if (!resource.data || answering.length === 0) {
    return (
      <p className="field-hint">
        Text the number of a persona with “SMS enabled”; its owner finds it in the persona builder under
        Channels.
      </p>
    );
  }
  return (
    <>
      <p className="sms-numbers-to-text-intro">Text these numbers from your verified phone:</p>
      <ul className="sms-numbers-to-text">
        {answering.map((number) => (
          <li key={number.phoneNumber}>
            <a href={`sms:${number.phoneNumber}`}>{number.phoneNumber}</a>{" "}
            <span className="muted">· {number.personaName}</span>
          </li>
        ))}
      </ul>
      {resource.data.partial && (
        <p className="field-hint">
          Only the first {PERSONAS_ASKED} personas are listed; others may have numbers too.
        </p>
      )}
    </>
  );
}
