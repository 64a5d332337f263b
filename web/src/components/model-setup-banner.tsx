import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { getModelSetup, modelSetupKeys } from "../lib/model-setup-api.ts";
import { Link } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import "./model-setup.css";

function dismissedKey(tenantId: string): string {
  return `dramatis.model-setup-dismissed.${tenantId}`;
}

/**
 * Tells an admin, on the home screens, that replies are still canned demo text and where to choose a
 * model. Dismissed, it stays away in this browser (Settings → Model is still there).
 */
export function ModelSetupBanner() {
  const { session } = useSession();
  const isAdmin = session.account.role === "admin";
  const key = dismissedKey(session.tenant.id);
  const [dismissed, setDismissed] = useState(() => readFlag(key));
  const setup = useQuery({
    queryKey: modelSetupKeys.state,
    queryFn: ({ signal }) => getModelSetup(signal),
    enabled: isAdmin && !dismissed,
  });
  if (!isAdmin || dismissed || !setup.data?.needs_setup) return null;
  return (
    <div className="notice notice-warning model-setup-banner" role="region" aria-label="Model set-up">
      <span>
        Replies are <strong>canned demo text</strong> from the offline engine.{" "}
        <Link to="/model-setup">Choose a model</Link> to talk with real ones.
      </span>
      <button
        type="button"
        className="button-small"
        onClick={() => {
          writeFlag(key);
          setDismissed(true);
        }}
      >
        Not now
      </button>
    </div>
  );
}

function readFlag(key: string): boolean {
  try {
    return window.localStorage.getItem(key) === "1";
  } catch {
    return false;
  }
}

function writeFlag(key: string): void {
  try {
    window.localStorage.setItem(key, "1");
  } catch {
    // Private mode without storage: dismissed for this visit only.
  }
}
