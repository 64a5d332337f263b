import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import {
  SEND_MEDIA_DESCRIPTION,
  SEND_MEDIA_PARAMETERS,
  SEND_MEDIA_TOOL,
  type SendMediaResult,
} from "../../domain/media-request.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import type { UserRow } from "../../store/schema.ts";
import type { ConversationMediaTools } from "../conversation-replies.ts";
import type { ServerTools } from "../reply-tool-round.ts";
import type { MediaGeneration } from "./media-generation.ts";

/**
 * The persona's `send_media` tool in a chat: what the model is offered, and what a call does (a
 * generation attached to the reply, or the reason it will not come, for the model to say in character).
 */
export class MediaChatTool implements ConversationMediaTools {
  constructor(private readonly generation: MediaGeneration) {}

  /**
   * The persona's media tool for one reply in a chat: offered when the persona makes media. A call
   * starts the picture attached to the reply (`context.replyId`) and answers the model at once.
   */
  toolsFor(
    user: UserRow,
    conversation: { id: string; persona_id: string },
    persona: PersonaDefinition,
  ): ServerTools | undefined {
    if (!persona.features.media_generation) return undefined;
    return {
      definitions: [
        {
          name: SEND_MEDIA_TOOL,
          description: SEND_MEDIA_DESCRIPTION,
          parameters: { ...SEND_MEDIA_PARAMETERS },
        },
      ],
      run: async (call, context) => {
        const result = await this.run(user, conversation, call.arguments, context.replyId);
        return JSON.stringify(result);
      },
    };
  }

  private async run(
    user: UserRow,
    conversation: { id: string; persona_id: string },
    argumentsJson: string,
    replyId: string | null,
  ): Promise<SendMediaResult> {
    const parsed = toolArgumentsSchema.safeParse(parseJson(argumentsJson));
    if (!parsed.success) return { status: "refused", reason: "the request for a picture was unclear" };
    const args = parsed.data;
    try {
      const started = await this.generation.request(user, user.tenant_id, {
        personaId: conversation.persona_id,
        conversationId: conversation.id,
        messageId: replyId,
        kind: args.kind,
        ofPersona: args.of_persona,
        description: args.description,
        edit: args.kind === "image" && (args.edit_photo ?? false),
        fromPhoto: args.kind === "video" && (args.from_photo ?? false),
      });
      return { status: "started", media_id: started.id, kind: args.kind, description: started.request };
    } catch (error) {
      if (error instanceof AppError && error.status < 500)
        return { status: "refused", reason: error.message };
      throw error;
    }
  }
}

const toolArgumentsSchema = z.object({
  kind: z.enum(["image", "video"]),
  of_persona: z.boolean().default(false),
  description: z.string().max(2000).default(""),
  edit_photo: z.boolean().optional(),
  from_photo: z.boolean().optional(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
