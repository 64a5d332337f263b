/**
 * World info / lorebooks: the model, readers and writers for the card, V3 and SillyTavern formats, and the
 * activation engine that picks the entries a conversation brings into the prompt.
 */
export * from "./lorebook-model.ts";
export {
  detectLorebookFormat,
  lorebookDocumentSchema,
  parseCharacterBook,
  parseLorebook,
  parseWorldInfo,
  type LorebookFormat,
} from "./lorebook-import.ts";
export * from "./lorebook-export.ts";
export {
  activateLorebook,
  type ActivatedLorebookEntry,
  type ActivateLorebookOptions,
  type ActivationTrigger,
  type LorebookActivation,
  type LorebookMessage,
} from "./activate-lorebook.ts";
export { compileLorebook } from "./compile-lorebook.ts";
export {
  parseDecorators,
  resolveDirectives,
  type Decorator,
  type EntryDirectives,
} from "./entry-decorators.ts";
