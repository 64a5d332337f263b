import { countTokens as countEncodedTokens } from "gpt-tokenizer";

/** Tokens a chat message costs beyond its text (role markers), as in OpenAI's accounting. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Counts the tokens of a text with the o200k encoding. It is an estimate for non-OpenAI models, used
 * for budgets and the prompt inspector; providers report the billed usage themselves. Callers count a
 * message once and keep the number (messages store it), never recounting a whole conversation.
 *
 * @example countTokens("Hello, Mira") // 4
 */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : countEncodedTokens(text);
}
