import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import { useSession } from "../lib/session.tsx";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { SettingsNewKey } from "./settings-new-key.tsx";
import { useAction } from "./settings-use-action.tsx";

const SCOPES = [
  { id: "read", label: "read", hint: "read personas, conversations and memory" },
  { id: "write", label: "write", hint: "also chat, and create and change things" },
  { id: "admin", label: "admin", hint: "also manage keys, providers, accounts and tenants" },
] as const;

type Scope = (typeof SCOPES)[number]["id"];

type ApiKey = Schema<"ApiKey">;
/** A key as created: the only time the secret is shown. */
type CreatedKey = { name: string; key: string };

/** The limit as typed: blank is the server's default (null). */
function parseLimit(text: string): number | null {
  return text.trim() === "" ? null : Number(text);
}

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });
}

function formatTime(iso: string | null, none: string): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : none;
}

/** API keys for programs that call the API: list, create (the secret shown once) and revoke. */
export function SettingsApiKeys() {
  const { session } = useSession();
  if (session.account.role !== "admin") {
    return (
      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">API keys</h2>
        <Notice>
          Only admins manage API keys. Ask an admin of {session.tenant.name} for a key if a program of yours
          needs to call the Dramatis API.
        </Notice>
        <KeysExplained />
      </section>
    );
  }
  return <AdminKeys />;
}

function KeysExplained() {
  return (
    <p className="muted settings-intro">
      Programs use an API key to call the Dramatis API and its OpenAI-compatible endpoint (
      <code>/v1/chat/completions</code>), sending it as <code>Authorization: Bearer &lt;key&gt;</code>. The
      web app does not need one.
    </p>
  );
}

function AdminKeys() {
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: settingsKeys.apiKeys,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/keys", { signal })),
  });
  const [created, setCreated] = useState<CreatedKey | undefined>();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const reload = () => queryClient.invalidateQueries({ queryKey: settingsKeys.apiKeys });

  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      <KeysExplained />
      {created && (
        <SettingsNewKey name={created.name} secret={created.key} onDone={() => setCreated(undefined)} />
      )}
      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          void reload();
        }}
      />
      <h3>Keys</h3>
      <ErrorNotice error={keys.error} />
      {keys.isPending && <Loading label="Loading keys…" />}
      {keys.data && keys.data.data.length === 0 && <p className="muted">No API keys yet.</p>}
      {keys.data && keys.data.data.length > 0 && (
        <div className="table-scroll">
          <table className="settings-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Rate limit</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((key) => (
                <tr key={key.id} className={key.revoked_at ? "settings-row-revoked" : undefined}>
                  <th scope="row" id={`key-${key.id}-name`}>
                    {key.name}
                  </th>
                  <td data-label="Prefix">
                    <code>{key.prefix}…</code>
                  </td>
                  <td data-label="Scopes">
                    <span className="settings-badges">
                      {key.scopes.map((scope) => (
                        <span key={scope} className={scope === "admin" ? "badge badge-warning" : "badge"}>
                          {scope}
                        </span>
                      ))}
                    </span>
                  </td>
                  <td data-label="Rate limit">
                    <KeyRateLimit apiKey={key} onChanged={() => void reload()} />
                  </td>
                  <td data-label="Created">
                    <time dateTime={key.created_at} title={formatTime(key.created_at, "")}>
                      {formatDate(key.created_at)}
                    </time>
                  </td>
                  <td data-label="Last used">{formatTime(key.last_used_at, "Never")}</td>
                  <td data-label="Status">
                    {key.revoked_at ? (
                      <>
                        <span className="badge">Revoked</span>
                        <span className="settings-when">{formatTime(key.revoked_at, "")}</span>
                      </>
                    ) : (
                      <span className="badge badge-accent">Active</span>
                    )}
                  </td>
                  <td className="settings-actions">
                    {!key.revoked_at && (
                      <button
                        type="button"
                        className="button-small button-danger"
                        onClick={() => setRevoking(key)}
                        aria-describedby={`key-${key.id}-name`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke the key “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke key"
        onClose={() => setRevoking(undefined)}
        onConfirm={async () => {
          if (!revoking) return;
          await unwrap(client.DELETE("/v1/keys/{id}", { params: { path: { id: revoking.id } } }));
          await reload();
        }}
      >
        <p>
          Programs using the key starting <code>{revoking?.prefix}</code> stop working at once: their requests
          are refused with 401. This cannot be undone; the key stays listed as revoked.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** A key's requests per minute, changed in place (blank: the server's default). */
function KeyRateLimit({ apiKey, onChanged }: { apiKey: ApiKey; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [limit, setLimit] = useState("");
  const action = useAction();
  const shown = apiKey.rate_limit_per_minute === null ? "Default" : `${apiKey.rate_limit_per_minute}/min`;
  if (apiKey.revoked_at) return <span className="muted">{shown}</span>;
  if (!editing) {
    return (
      <>
        {shown}{" "}
        <button
          type="button"
          className="button-small"
          aria-describedby={`key-${apiKey.id}-name`}
          onClick={() => {
            setLimit(apiKey.rate_limit_per_minute === null ? "" : String(apiKey.rate_limit_per_minute));
            setEditing(true);
          }}
        >
          Change
        </button>
      </>
    );
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const ok = await action.run(async () => {
      await unwrap(
        client.PATCH("/v1/keys/{id}", {
          params: { path: { id: apiKey.id } },
          body: { rate_limit_per_minute: parseLimit(limit) },
        }),
      );
    });
    if (ok) {
      setEditing(false);
      onChanged();
    }
  }

  const error =
    fieldError(action.error, "rate_limit_per_minute") ??
    (action.error instanceof Error ? action.error.message : undefined);
  return (
    <form onSubmit={save} noValidate>
      <input
        type="number"
        min={1}
        inputMode="numeric"
        aria-label={`Requests per minute for ${apiKey.name} (blank: the server's default)`}
        placeholder="Default"
        value={limit}
        onChange={(event) => setLimit(event.target.value)}
        style={{ width: "7em" }}
      />{" "}
      <button type="submit" className="button-small button-primary" disabled={action.busy}>
        Save
      </button>{" "}
      <button type="button" className="button-small" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {error && <span className="field-error">{error}</span>}
    </form>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: CreatedKey) => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["read", "write"]);
  const [limit, setLimit] = useState("");
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await action.run(async () => {
      onCreated(
        await unwrap(
          client.POST("/v1/keys", {
            body: { name: name.trim(), scopes, rate_limit_per_minute: parseLimit(limit) },
          }),
        ),
      );
    });
    if (ok) {
      setName("");
      setScopes(["read", "write"]);
      setLimit("");
    }
  }

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="create-key-heading" noValidate>
      <h3 id="create-key-heading">Create a key</h3>
      <FormProblem error={action.error} fields={["name", "scopes", "rate_limit_per_minute"]} />
      <SettingsField
        label="Key name"
        hint="What uses it, e.g. “website chat widget” or “nightly export”."
        error={fieldError(action.error, "name")}
      >
        {(control) => (
          <input
            {...control}
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={100}
          />
        )}
      </SettingsField>
      <fieldset className="settings-scopes" aria-describedby="scopes-hint">
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <label key={scope.id} className="field-inline settings-check">
            <input
              type="checkbox"
              checked={scopes.includes(scope.id)}
              onChange={(event) =>
                setScopes((old) =>
                  event.target.checked ? [...old, scope.id] : old.filter((item) => item !== scope.id),
                )
              }
            />
            <span>
              <strong>{scope.label}</strong> <span className="muted">: {scope.hint}</span>
            </span>
          </label>
        ))}
        <span id="scopes-hint" className="field-hint">
          Each scope includes the ones before it. Give a program the least it needs.
        </span>
        {fieldError(action.error, "scopes") && (
          <span className="field-error">{fieldError(action.error, "scopes")}</span>
        )}
      </fieldset>
      <SettingsField
        label="Requests per minute"
        hint="Leave blank for the server's default. Past it the key's requests are refused with 429 until the minute is over."
        error={fieldError(action.error, "rate_limit_per_minute")}
      >
        {(control) => (
          <input
            {...control}
            type="number"
            min={1}
            inputMode="numeric"
            placeholder="Default"
            value={limit}
            onChange={(event) => setLimit(event.target.value)}
          />
        )}
      </SettingsField>
      <button type="submit" className="button-primary" disabled={action.busy}>
        {action.busy ? "Creating…" : "Create key"}
      </button>
    </form>
  );
}
