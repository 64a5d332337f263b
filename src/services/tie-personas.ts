import { ForbiddenError, NotFoundError } from "../errors/app-error.ts";
import type { JsonObject } from "../lib/deep-merge.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { UserRow } from "../store/schema.ts";
import type { ChatCompletionService } from "./chat-completion-service.ts";
import { findCatalogPersona } from "./persona-catalog.ts";
import type { PersonaEditor } from "./persona-editor.ts";
import type { PersonaActor, PersonaService } from "./persona-service.ts";
import type { Persona } from "./persona-views.ts";

/*
 * The personas API of TIE ("custom system prompts per user"), mapped onto Dramatis personas. Nothing here
 * holds a persona rule: creating, editing, deleting, who sees and who changes what, and the active
 * persona are PersonaService's and ChatCompletionService's; this module only translates shapes.
 */

/** A persona as TIE's clients read it. */
export interface TiePersona {
  id: string;
  name: string;
  description: string;
  system_prompt: string;
  is_preset: boolean;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

/** TIE's POST /personas body: name and system_prompt required, description optional. */
export interface TiePersonaInput {
  name: string;
  system_prompt: string;
  description?: string | undefined;
}

/** TIE's PUT /personas/{persona_id} body: any of the three. */
export type TiePersonaChanges = Partial<TiePersonaInput>;

/**
 * Where a persona's `system_prompt` lives: its chat prompt (`chat_configuration.prompt`) when it has one,
 * since that is what chat replies start from, else its system message (`system_message`), the field
 * Dramatis has for exactly this. The same choice as `personaInstructions` (prompt-assembly.ts) on chat.
 */
export function systemPromptField(definition: PersonaDefinition): "chat_configuration" | "system_message" {
  return definition.chat_configuration.prompt ? "chat_configuration" : "system_message";
}

/** The base instructions a persona's chat replies start from, as TIE's `system_prompt`. */
export function tieSystemPrompt(definition: PersonaDefinition): string {
  return systemPromptField(definition) === "chat_configuration"
    ? definition.chat_configuration.prompt
    : definition.system_message;
}

/**
 * TIE's `description`: a preset's one-line catalogue description; for any other persona its Character
 * Card creator's notes (`card.creator_notes`: shown beside the persona in the web app, never sent to the
 * model, exported in its card), or "" when it has none.
 */
export function tieDescription(persona: Persona): string {
  if (persona.kind === "preset") {
    const preset = findCatalogPersona(persona.id);
    if (preset) return preset.description;
  }
  const notes = persona.card.creator_notes;
  return typeof notes === "string" ? notes : "";
}

/**
 * A Dramatis persona in TIE's shape (its draft definition, as the native API shows it).
 *
 * @example toTiePersona(persona, user.active_persona_id).is_active
 */
export function toTiePersona(persona: Persona, activePersonaId: string | null): TiePersona {
  return {
    id: persona.id,
    name: persona.name,
    description: tieDescription(persona),
    system_prompt: tieSystemPrompt(persona),
    is_preset: persona.kind === "preset",
    is_active: activePersonaId !== null && persona.id === activePersonaId,
    created_at: persona.created_at,
    updated_at: persona.updated_at,
  };
}

/** The definition fields a TIE write sets, as a persona create or PATCH body. */
function definitionPatch(changes: TiePersonaChanges, promptField: "chat_configuration" | "system_message") {
  const patch: JsonObject = {};
  if (changes.name !== undefined) patch.name = changes.name;
  if (changes.system_prompt !== undefined) {
    if (promptField === "chat_configuration") patch.chat_configuration = { prompt: changes.system_prompt };
    else patch.system_message = changes.system_prompt;
  }
  // Objects merge field by field: the card's other fields stay as they are.
  if (changes.description !== undefined) patch.card = { creator_notes: changes.description };
  return patch;
}

/**
 * TIE's personas endpoints over the persona and active-persona services.
 *
 * @example await new TiePersonaService({ personas, chatCompletions }).list(editor, user)
 */
export class TiePersonaService {
  private readonly personas: PersonaService;
  private readonly chatCompletions: ChatCompletionService;

  constructor(dependencies: { personas: PersonaService; chatCompletions: ChatCompletionService }) {
    this.personas = dependencies.personas;
    this.chatCompletions = dependencies.chatCompletions;
  }

  /**
   * The presets, then the custom personas the viewer sees, as the native list shows them by default (the
   * personas research populations generated are left out); `is_active` from `user`'s active persona.
   */
  async list(viewer: PersonaEditor, user: UserRow): Promise<TiePersona[]> {
    const personas = await this.personas.listAll(viewer);
    const presetsFirst = [
      ...personas.filter((persona) => persona.kind === "preset"),
      ...personas.filter((persona) => persona.kind !== "preset"),
    ];
    return presetsFirst.map((persona) => toTiePersona(persona, user.active_persona_id));
  }

  /**
   * Creates a Dramatis persona whose system message is `system_prompt`. It is an unpublished draft, and a
   * persona with no production version answers with its draft, so it serves at once.
   */
  async create(actor: PersonaActor, input: TiePersonaInput): Promise<TiePersona> {
    const persona = await this.personas.create(actor, definitionPatch(input, "system_message"));
    return toTiePersona(persona, null);
  }

  /**
   * Edits the draft, as the native PATCH does (same rules). 404 when the persona is missing, not the
   * editor's to change, or a preset: TIE says 404 for all three.
   */
  async update(
    editor: PersonaEditor,
    user: UserRow,
    id: string,
    changes: TiePersonaChanges,
  ): Promise<TiePersona> {
    return this.asEditable(id, async () => {
      const current = await this.personas.getEditable(editor, id);
      const updated = await this.personas.updateDraft(
        editor,
        id,
        definitionPatch(changes, systemPromptField(current)),
      );
      return toTiePersona(updated, user.active_persona_id);
    });
  }

  /** Deletes a persona (as the native DELETE does); 404 as for update. */
  async delete(editor: PersonaEditor, id: string): Promise<void> {
    await this.asEditable(id, () => this.personas.delete(editor, id));
  }

  /** Makes a persona (a preset too) the user's active one; /v1/chat/completions then answers as it. */
  async setActive(user: UserRow, id: string, viewer: PersonaEditor): Promise<string> {
    return this.chatCompletions.setActivePersona(user, id, viewer);
  }

  /** The user's active persona; 404 when none is active (or it is gone or hidden). */
  async getActive(user: UserRow, viewer: PersonaEditor): Promise<TiePersona> {
    const id = await this.chatCompletions.getActivePersonaId(user, viewer);
    return toTiePersona(await this.personas.get(viewer, id), id);
  }

  async clearActive(user: UserRow): Promise<void> {
    await this.chatCompletions.clearActivePersona(user);
  }

  /** Runs a change; a preset or another member's persona (403 natively) is a 404, as in TIE. */
  private async asEditable<T>(id: string, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      if (error instanceof ForbiddenError || error instanceof NotFoundError) {
        throw new NotFoundError(`a persona ${id} that you may change`);
      }
      throw error;
    }
  }
}
