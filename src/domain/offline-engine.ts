/**
 * The built-in offline engine (src/models/offline-model.ts) answers every model id under this provider. Its
 * answers are templates, not a model's judgement: anything computed from them (a study's answers, scores and
 * statistics) is marked with `offline_engine: true` and this warning wherever it is shown or exported.
 */
export const OFFLINE_ENGINE_PROVIDER = "offline";

export const OFFLINE_ENGINE_WARNING =
  "Demo engine: answers are canned, not a real model. These results say nothing about the personas.";

/** True for a model id of the offline engine (`offline/default`, `offline/anything`). */
export function isOfflineEngineModel(model: string | null | undefined): boolean {
  return typeof model === "string" && model.startsWith(`${OFFLINE_ENGINE_PROVIDER}/`);
}
