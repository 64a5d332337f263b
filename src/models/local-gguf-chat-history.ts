import type { ChatMessage } from "./language-model.ts";
import type { ChatHistoryItem } from "./node-llama-cpp-types.ts";

/**
 * Chat messages as node-llama-cpp history, ending with the model turn to generate. Runs of one role are
 * joined because chat templates expect alternating turns; a trailing assistant message is continued
 * (a prefill), not answered.
 *
 * node-llama-cpp's `LlamaChat` renders this history with the chat wrapper it resolves from the GGUF file
 * (its Jinja chat template, or a wrapper guessed from the architecture). Models without a chat template,
 * such as the TinyStories test model, get a guessed wrapper (Llama 2 `[INST]` style); they still continue
 * the text, they just do not follow instructions.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    const previous = history.at(-1);
    if (message.role === "assistant") {
      if (previous?.type === "model")
        previous.response[0] = `${previous.response[0] ?? ""}\n\n${message.content}`;
      else history.push({ type: "model", response: [message.content] });
    } else {
      const type = message.role === "system" ? "system" : "user";
      if (previous?.type === type) previous.text = `${previous.text}\n\n${message.content}`;
      else history.push({ type, text: message.content });
    }
  }
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}
