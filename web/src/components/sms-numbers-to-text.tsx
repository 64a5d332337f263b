import { useQuery } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";

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
export function useNumbersToText(enabled: boolean) {
  return useQuery({
    queryKey: settingsKeys.numbersToText,
    enabled,
    queryFn: ({ signal }) => loadNumbersToText(signal),
  });
}

async function loadNumbersToText(signal: AbortSignal): Promise<NumbersToText> {
  const page = await unwrap(
    client.GET("/v1/personas", { params: { query: { kind: "persona", limit: PERSONAS_ASKED } }, signal }),
  );
  const perPersona = await Promise.all(
    page.data.map(async (persona) => {
      const numbers = await unwrap(
        client.GET("/v1/personas/{id}/phone-numbers", { params: { path: { id: persona.id } }, signal }),
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
}

/**
 * Which numbers a verified phone can text, and who answers at each; a short hint when they could not
 * be listed (or none answers yet).
 */
export function SmsNumbersToText({ resource }: { resource: { data: NumbersToText | undefined } }) {
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
