import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { getModelSetup, modelSetupKeys } from "../lib/model-setup-api.ts";
import { Link } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import { ModelPicker } from "./model-picker.tsx";
import { useChooseDefaultModel } from "./model-setup-choose.ts";
import { ModelSetupDownload } from "./model-setup-download.tsx";
import { ModelSetupHosted } from "./model-setup-hosted.tsx";
import { ModelSetupLocal } from "./model-setup-local.tsx";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { useAction } from "./settings-use-action.tsx";
import "./model-setup.css";

/** The built-in engine's model: canned demo text, chosen on purpose so the screen stops asking. */
const OFFLINE_MODEL = "offline/default";

/**
 * Where the workspace's replies come from: the current default model, and three ways to get a real one
 * (a server on this machine, a hosted service by key, a downloaded model), or keeping the offline demo
 * engine. The first-run screen and Settings → Model both show it; only admins change anything.
 */
export function ModelSetupPanel({ showDefaultPicker }: { showDefaultPicker: boolean }) {
  const { session } = useSession();
  const canChange = session.account.role === "admin";
  const setup = useQuery({ queryKey: modelSetupKeys.state, queryFn: ({ signal }) => getModelSetup(signal) });
  const chooseDefault = useChooseDefaultModel();
  const [chosen, setChosen] = useState<string | null | undefined>();
  const offline = useAction();
  const picked = useAction();

  async function onChosen(model: string | null) {
    await chooseDefault(model);
    setChosen(model);
  }

  return (
    <div className="model-setup">
      {setup.isPending && <Loading label="Loading the model settings…" />}
      <ErrorNotice error={setup.error} />
      {setup.data && (
        <section className="card model-setup-current" aria-labelledby="model-setup-current-heading">
          <h3 id="model-setup-current-heading">Replies come from</h3>
          <p className="model-setup-model">
            <code>{setup.data.effective_default_model}</code>{" "}
            {setup.data.offline ? (
              <span className="badge badge-warning">Offline demo engine: canned text</span>
            ) : (
              <span className="badge badge-accent">
                {setup.data.default_model ? "This workspace's default" : "The server's default"}
              </span>
            )}
          </p>
          <p className="muted">
            Every preset, and every persona whose model is &ldquo;Tenant default&rdquo;, answers with this
            model. A persona can pick another model in its Advanced settings.
          </p>
          {chosen !== undefined && (
            <Notice kind="success">
              {chosen === OFFLINE_MODEL
                ? "Kept the offline demo engine: replies stay canned demo text until you choose a model here."
                : `Done: new replies come from ${chosen ?? setup.data.effective_default_model}.`}{" "}
              <Link to="/chat">Start a conversation</Link>
            </Notice>
          )}
          {!canChange && <p className="muted">Only an admin chooses the workspace&apos;s model.</p>}
          {canChange && showDefaultPicker && (
            <>
              <ModelPicker
                label="Default model"
                value={setup.data.default_model}
                nullLabel="The server's default model"
                hint="Any model already configured: the ones below, the server's, and this workspace's providers."
                onChange={(model) => void picked.run(() => onChosen(model))}
                disabled={picked.busy}
              />
              <ErrorNotice error={picked.error} />
            </>
          )}
        </section>
      )}
      {canChange && (
        <>
          {/* This machine's servers and disk are the operator's: other workspaces are not offered them. */}
          {setup.data?.local_servers_available && (
            <ModelSetupLocal canChange={canChange} onChosen={onChosen} />
          )}
          <ModelSetupHosted canChange={canChange} onChosen={onChosen} />
          {setup.data?.downloads_available && (
            <ModelSetupDownload canChange={canChange} onChosen={onChosen} />
          )}
          <section className="card model-setup-path" aria-labelledby="model-setup-offline-heading">
            <h3 id="model-setup-offline-heading">Or keep the offline demo engine</h3>
            <p>
              A built-in test and demo engine, not a language model: its replies are{" "}
              <strong>canned demo text</strong> from simple templates. Enough to click through Dramatis, but
              no persona will really understand you.
            </p>
            <ErrorNotice error={offline.error} />
            <button
              type="button"
              disabled={offline.busy}
              onClick={() => void offline.run(() => onChosen(OFFLINE_MODEL))}
            >
              Keep the offline demo engine
            </button>
          </section>
        </>
      )}
    </div>
  );
}
