/*
 * The default persona definition as plain data with no imports, so that the web app's builder (bundled
 * for the browser) and the server share one copy. persona-definition.ts checks it against the schema.
 */

/** A fresh copy of the defaults every new persona starts from. */
export function personaDefinitionDefaults() {
  return {
    name: "",
    identity: { age: null, sex: null, location: null, occupation: null, summary: "" },
    system_message: "",
    start_prompt: "",
    first_message: "",
    alternate_greetings: [],
    personality: "",
    scenario: "",
    communication_examples: [],
    appearance: { description: "", art_style: "realistic", avatar_url: null },
    voice_configurations: [],
    chat_configuration: {
      prompt: "",
      model: null,
      temperature: null,
      max_tokens: null,
      forward_to_voice: false,
    },
    model: null,
    sampling: {
      temperature: null,
      top_p: null,
      top_k: null,
      min_p: null,
      frequency_penalty: null,
      presence_penalty: null,
      repetition_penalty: null,
      top_a: null,
      max_tokens: null,
    },
    verbosity: 3,
    initiative: 5,
    active_hours: { start: "08:00", end: "22:00", time_zone: "UTC" },
    modifiers: {
      responds_immediately: false,
      responds_outside_active_hours: false,
      nsfw: false,
      disable_scheduled_messages: false,
    },
    features: { sms: false, premium_model: false, media_generation: false, auto_speech: false },
    media: {
      image_model: null,
      video_model: null,
      video_seconds: 5,
      video_quality: "standard",
      priority_video: false,
    },
    memory: {
      tier: "basic",
      scope: "account",
      extraction: true,
      weights: { relevance: 3, importance: 2, recency: 0.5 },
    },
    tags: [],
    card: {},
    extensions: {},
  };
}
