import { ModelSetupPanel } from "./model-setup-panel.tsx";

/** Settings → Model: the workspace's default model and the ways to get one (the first-run screen's). */
export function SettingsModel() {
  return (
    <section aria-labelledby="model-heading">
      <div className="settings-section-header">
        <h2 id="model-heading">Model</h2>
      </div>
      <p className="muted settings-intro">
        The model replies come from when a persona does not pick its own: presets always use it.
      </p>
      <ModelSetupPanel showDefaultPicker />
    </section>
  );
}
