import type { Study } from "./study-format.ts";

/** What the app says wherever a study's results came (partly) from the built-in offline engine. */
export const OFFLINE_ENGINE_LABEL = "Demo engine: answers are canned, not a real model";

/**
 * The banner over a study whose answers came (partly) from the offline engine: its answers are templates,
 * so the charts and the test below say nothing about the personas. Names the models that answered.
 */
export function StudyOfflineEngineBanner({ study }: { study: Study }) {
  if (!study.offline_engine) return null;
  const real = study.answer_models.filter((model) => !model.startsWith("offline/"));
  return (
    <div className="notice notice-warning study-offline-engine" role="note" aria-label="Demo engine">
      <p>
        <strong>{OFFLINE_ENGINE_LABEL}.</strong> The built-in offline engine answered{" "}
        {real.length > 0 ? "some of" : "all of"} this study&apos;s runs: its answers are templates, so these
        results and statistics say nothing about the personas. Give the study (or its personas) a real model
        and run it again.
      </p>
      {real.length > 0 && <p className="field-hint">Also answered by: {real.join(", ")}.</p>}
    </div>
  );
}

/** The badge beside a study (or a result) the offline engine answered. */
export function OfflineEngineBadge() {
  return (
    <span className="badge badge-warning" title={OFFLINE_ENGINE_LABEL}>
      Demo engine
    </span>
  );
}
