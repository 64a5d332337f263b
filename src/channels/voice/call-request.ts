/*
 * "Forward to voice": a text that asks the persona to call is answered with a phone call instead of a
 * written reply. Only clear requests count; a text that merely mentions calling ("I'll call mom") does not.
 */

const CALL_REQUESTS = [
  /\bcall me\b/,
  /\bgive me a (?:call|ring)\b/,
  /\bring me\b/,
  /\bphone me\b/,
  /\bcan (?:we|you) (?:talk|speak) on the phone\b/,
];

/**
 * True when a text asks to be called.
 *
 * @example asksForCall("Can you call me?"); // true
 * @example asksForCall("I'll call my mom later"); // false
 */
export function asksForCall(text: string): boolean {
  const normalized = text.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, " ");
  return CALL_REQUESTS.some((pattern) => pattern.test(normalized));
}
