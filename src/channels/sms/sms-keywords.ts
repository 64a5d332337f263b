/*
 * The carrier keywords every US/Canadian SMS programme must honour. A message that is exactly one of
 * them (trimmed, any case) is a command to the service, not words for the persona.
 */

export type SmsKeyword = "stop" | "start" | "help";

const KEYWORDS: Record<string, SmsKeyword> = {
  STOP: "stop",
  STOPALL: "stop",
  UNSUBSCRIBE: "stop",
  CANCEL: "stop",
  END: "stop",
  QUIT: "stop",
  START: "start",
  YES: "start",
  UNSTOP: "start",
  HELP: "help",
};

/**
 * The keyword a message is, if it is one.
 *
 * @example readSmsKeyword("  stop "); // "stop"
 * @example readSmsKeyword("please stop"); // undefined
 */
export function readSmsKeyword(body: string): SmsKeyword | undefined {
  return KEYWORDS[body.trim().toUpperCase()];
}

/** What a persona's number answers to HELP. */
export function helpText(personaName: string): string {
  return (
    `You're texting ${personaName}, an AI persona on Dramatis. Msg & data rates may apply. ` +
    `Reply STOP to stop all texts, START to resume.`
  );
}

/** The answer to START. */
export function resubscribedText(personaName: string): string {
  return `You're subscribed again: ${personaName} can text you. Reply HELP for help, STOP to stop.`;
}

/** What an unverified sender is told: nothing they wrote reaches any conversation until they verify. */
export function verificationInstructionsText(personaName: string, phoneNumber: string): string {
  return (
    `To text ${personaName}, first verify ${phoneNumber} in your Dramatis account ` +
    `(Phone numbers: add this number, then enter the code we text you). Reply STOP to opt out.`
  );
}

/** The message carrying a verification code. */
export function verificationCodeText(code: string): string {
  return `Your Dramatis verification code is ${code}. It expires in 10 minutes. Reply STOP to opt out.`;
}
