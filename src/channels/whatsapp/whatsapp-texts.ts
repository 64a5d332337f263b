/*
 * What a persona's WhatsApp number says on the service's behalf: how to link, that it is linked, and
 * what it cannot read. Everything else it says is the persona's own words.
 */

/** What an unlinked sender is told: nothing they wrote reaches any conversation until they link. */
export function linkInstructionsText(personaName: string): string {
  return (
    `Hi! To chat with ${personaName} here, link your WhatsApp to your Dramatis account: open ` +
    `Settings → WhatsApp in the app, create a link code and send it to this number.`
  );
}

/** The confirmation a sender gets when their code linked them. */
export function linkedText(personaName: string): string {
  return `You're linked! Messages you send here now reach ${personaName}. Say hello.`;
}

/** A code that is not (or no longer) valid. */
export function wrongCodeText(): string {
  return "That link code is not valid or has expired. Create a new one in Settings → WhatsApp and send it here.";
}

/** The answer to a photo, voice note or anything else that is not text. */
export function textOnlyText(personaName: string): string {
  return `${personaName} can only read text messages for now; please write it down.`;
}
