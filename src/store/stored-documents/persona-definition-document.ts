import { deepMerge, type JsonObject } from "../../lib/deep-merge.ts";
import { personaDefinitionDefaults } from "../../domain/persona-defaults.ts";
import { personaDefinitionSchema, type PersonaDefinition } from "../../domain/persona-definition.ts";
import type { VersionedDocumentKind } from "./versioned-document.ts";

/**
 * A persona definition as stored in `personas.draft` and `persona_versions.definition`.
 *
 * Adding a field: add it to `personaDefinitionSchema` and to `personaDefinitionDefaults`, then append one
 * upgrader here that gives documents stored before it their value (usually the default). The version
 * stored with every write is the number of upgraders plus one. See docs/stored-documents.md.
 */
export const PERSONA_DEFINITION_DOCUMENT: VersionedDocumentKind<PersonaDefinition> = {
  column: "persona definition",
  schema: personaDefinitionSchema,
  defaults: personaDefinitionDefaults as () => JsonObject,
  upgraders: [
    // 1 -> 2: documents from before versions existed lack whichever fields were added after they were
    // written (initiative, memory settings, chat configuration, ...): each takes its default.
    (document) => deepMerge(personaDefinitionDefaults() as JsonObject, document),
    // 2 -> 3: media settings (models, video length and quality, priority video) take their defaults.
    (document) => ({ ...document, media: personaDefinitionDefaults().media as unknown as JsonObject }),
  ],
};
