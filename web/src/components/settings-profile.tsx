import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { client, unwrap } from "../lib/api.ts";
import { useSession } from "../lib/session.tsx";
import { Notice } from "./notice.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";

const MIN_PASSWORD_LENGTH = 10;

/** Who you are signed in as, and a password change. */
export function SettingsProfile() {
  const { session } = useSession();
  const { account, tenant } = session;
  return (
    <section aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <dl className="card settings-facts settings-profile">
        <div>
          <dt>Name</dt>
          <dd>{account.name || <span className="muted">(no name)</span>}</dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>{account.email}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>
            {account.role === "admin" ? "Admin" : "Member"}
            <span className="muted">
              {account.role === "admin"
                ? " · manages keys, providers and accounts"
                : " · builds personas and chats; an admin manages keys, providers and accounts"}
            </span>
          </dd>
        </div>
        <div>
          <dt>Workspace</dt>
          <dd>{tenant.name}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>{new Date(account.created_at).toLocaleDateString(undefined, { dateStyle: "long" })}</dd>
        </div>
      </dl>
      <p className="field-hint">
        Your email is also your user id in the API (the <code>X-Dramatis-User</code> header), which is how
        your conversations and memories are found.
        {account.role === "admin" ? " Roles are changed under Accounts." : ""}
      </p>
      <ChangePasswordForm />
    </section>
  );
}

function ChangePasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: (passwords: { current_password: string; new_password: string }) =>
      unwrap(client.POST("/v1/auth/password", { body: passwords })),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    if (next !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate({ current_password: current, new_password: next });
  }

  const error = change.error;
  return (
    <form
      className="card settings-form settings-password"
      onSubmit={submit}
      aria-labelledby="password-heading"
      noValidate
    >
      <h3 id="password-heading">Change password</h3>
      {done && <Notice kind="success">Password changed. Your other sessions have been signed out.</Notice>}
      <FormProblem error={error} fields={["current_password", "new_password"]} />
      <SettingsField label="Current password" error={fieldError(error, "current_password")}>
        {(control) => (
          <input
            {...control}
            type="password"
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
            autoComplete="current-password"
          />
        )}
      </SettingsField>
      <SettingsField
        label="New password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        error={fieldError(error, "new_password")}
      >
        {(control) => (
          <input
            {...control}
            type="password"
            value={next}
            onChange={(event) => setNext(event.target.value)}
            autoComplete="new-password"
          />
        )}
      </SettingsField>
      <SettingsField
        label="Confirm password"
        error={mismatch ? "Does not match the new password." : undefined}
      >
        {(control) => (
          <input
            {...control}
            type="password"
            value={repeat}
            onChange={(event) => setRepeat(event.target.value)}
            autoComplete="new-password"
          />
        )}
      </SettingsField>
      <p className="field-hint">Changing it signs you out everywhere else; this browser stays signed in.</p>
      <button type="submit" className="button-primary" disabled={change.isPending}>
        {change.isPending ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}
