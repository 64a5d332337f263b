import type {
  ChatMessage,
  GenerateRequest,
  GenerateResult,
  GenerationContext,
  LanguageModel,
  SamplingParameters,
} from "../models/language-model.ts";
import { capabilitiesOf } from "../models/language-model.ts";
import { expandNameMacros, type NameMacroContext } from "../domain/macros.ts";
import { NameMacroStream } from "../domain/name-macro-stream.ts";
import type { GenerationInput } from "./generation-input.ts";
import type { AssembledPrompt } from "./prompt-assembly.ts";

export interface ModelRunOptions {
  input: GenerationInput;
  prompt: AssembledPrompt;
  sampling: SamplingParameters;
  memories: string[];
  /** the names `{{char}}`/`{{user}}` in the model's own output stand for */
  macros: NameMacroContext;
  /** the server tools' calls and results, after the prompt (the second round) */
  followUp?: ChatMessage[] | undefined;
}

/**
 * One call of the model over the assembled prompt: streamed to `onDelta` (and tool call parts to
 * `onToolCallPart`) when someone reads them, else asked for whole; the model's own name macros expanded.
 */
export async function runReplyModel(model: LanguageModel, options: ModelRunOptions): Promise<GenerateResult> {
  const { input: request, prompt, sampling, memories, macros, followUp } = options;
  // A client's tools, else the server's own (not after their results: one round of those per reply).
  const tools = request.tools ?? (followUp ? undefined : request.serverTools?.definitions);
  const modelRequest: GenerateRequest = {
    messages: followUp ? [...prompt.messages, ...followUp] : prompt.messages,
    sampling,
    signal: request.signal,
    context: generationContext(request, memories),
    // tool_choice "none" lets a client send tools to a model that cannot call them: they stay here.
    ...(tools && capabilitiesOf(model).tools && { tools }),
    ...(request.toolChoice && { toolChoice: request.toolChoice }),
    ...(request.parallelToolCalls !== undefined && { parallelToolCalls: request.parallelToolCalls }),
    ...(request.responseFormat && { responseFormat: request.responseFormat }),
  };
  // Models that learnt from character cards write `{{user}}` themselves: the user sees the names.
  const withNames = (result: GenerateResult): GenerateResult => {
    const text = expandNameMacros(result.text, macros);
    return text === result.text ? result : { ...result, text };
  };
  // Streaming costs several stream stages per chunk; when nobody reads the deltas, ask for the whole reply.
  if (!request.onDelta) return withNames(await model.generate(modelRequest));
  const names = new NameMacroStream(macros);
  for await (const part of model.stream(modelRequest)) {
    if (part.type === "delta") {
      const shown = names.push(part.text);
      if (shown) await request.onDelta(shown);
      continue;
    }
    if (part.type !== "finish") {
      await request.onToolCallPart?.(part);
      continue;
    }
    const rest = names.flush();
    if (rest) await request.onDelta(rest);
    return withNames(part.result);
  }
  throw new Error(`model ${model.id} ended its stream without a finish`);
}

/** What the reply is about, in structured form (the offline engine composes from it). */
export function generationContext(input: GenerationInput, memories: string[]): GenerationContext {
  return {
    persona: {
      name: input.persona.name,
      occupation: input.persona.identity.occupation,
      location: input.persona.identity.location,
      summary: input.persona.identity.summary,
      personality: input.persona.personality,
      verbosity: input.persona.verbosity,
      communicationExamples: input.persona.communication_examples,
    },
    userPersona: input.userPersona,
    memories,
  };
}
