import { useEffect } from "react";
import { ModelSetupPanel } from "../components/model-setup-panel.tsx";
import { Link } from "../lib/router.tsx";
// The model screen reuses the Settings cards (it is Settings → Model too).
import "./settings-page.css";

/**
 * /model-setup: the first-run screen an admin lands on once the first account exists (and whenever the
 * workspace still answers with the offline demo engine): choose where replies come from.
 */
export function ModelSetupPage() {
  useEffect(() => {
    document.title = "Choose a model · Dramatis";
    return () => {
      document.title = "Dramatis";
    };
  }, []);
  return (
    <section className="page">
      <header className="page-header">
        <h1>Choose a model</h1>
        <Link to="/personas">Later: go to your personas</Link>
      </header>
      <p className="muted settings-intro">
        Personas answer with a language model. Pick one of the models found on this machine, add a hosted
        service with your key, or download a small model to run here. You can change it any time in Settings →
        Model.
      </p>
      <ModelSetupPanel showDefaultPicker={false} />
    </section>
  );
}
