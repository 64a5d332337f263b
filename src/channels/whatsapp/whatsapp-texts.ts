/*
 * What a persona's WhatsApp number says on the service's behalf: how to link, that it is linked, and
 * what it cannot read or hear. Everything else it says is the persona's own words.
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

/** The answer to a sticker, document, location or anything else that is neither text, picture nor voice note. */
export function textOnlyText(personaName: string): string {
  return `${personaName} can only read text messages and look at pictures here; please write it down.`;
}

/** The answer to a voice note while no speech recognizer is configured on the server. */
export function voiceNotesUnavailableText(personaName: string): string {
  return `${personaName} can't listen to voice notes here yet; please write it down.`;
}

/** The answer to a voice note the recognizer heard no words in (or audio it could not read). */
export function voiceNoteNotHeardText(personaName: string): string {
  return `Sorry, ${personaName} couldn't make out that voice note. Could you say it again, or write it down?`;
}

/** The answer to a voice note larger than the server listens to. */
export function voiceNoteTooLongText(personaName: string): string {
  return `That voice note is too long for ${personaName} to listen to; please send a shorter one or write it down.`;
}

/** The answer to "call me" while phone calls (Twilio) are not set up on the server. */
export function callsUnavailableText(): string {
  return "Sorry, I can't call you from here: phone calls are not available on this server. Let's keep chatting.";
}
