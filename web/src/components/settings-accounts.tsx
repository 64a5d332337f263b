import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import { useSession } from "../lib/session.tsx";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";

const MIN_PASSWORD_LENGTH = 10;

type Account = Schema<"Account">;

/** The people who sign in to this workspace (admins only): add, change role, remove. */
export function SettingsAccounts() {
  const { session } = useSession();
  const queryClient = useQueryClient();
  const accounts = useQuery({
    queryKey: settingsKeys.accounts,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/accounts", { signal })),
  });
  const [removing, setRemoving] = useState<Account | undefined>();
  const [resetting, setResetting] = useState<Account | undefined>();
  const [newPassword, setNewPassword] = useState("");
  const [message, setMessage] = useState<string | undefined>();
  const roleChange = useAction();
  const reload = () => queryClient.invalidateQueries({ queryKey: settingsKeys.accounts });

  const changeRole = (account: Account, role: Account["role"]) =>
    roleChange.run(async () => {
      await unwrap(
        client.PATCH("/v1/accounts/{id}", { params: { path: { id: account.id } }, body: { role } }),
      );
      setMessage(`${account.name || account.email} is now ${role === "admin" ? "an admin" : "a member"}.`);
      await reload();
    });

  const changeEditRights = (account: Account, canEditAll: boolean) =>
    roleChange.run(async () => {
      await unwrap(
        client.PATCH("/v1/accounts/{id}", {
          params: { path: { id: account.id } },
          body: { can_edit_all: canEditAll },
        }),
      );
      setMessage(
        canEditAll
          ? `${account.name || account.email} may now edit every persona.`
          : `${account.name || account.email} may now edit only the personas they created.`,
      );
      await reload();
    });

  return (
    <section aria-labelledby="accounts-heading">
      <h2 id="accounts-heading">Accounts</h2>
      <p className="muted settings-intro">
        People who sign in to {session.tenant.name} with an email and password. <strong>Admins</strong> manage
        keys, providers and accounts and edit every persona; <strong>members</strong> build personas and chat,
        see every persona of the workspace and edit the ones they created (or every one, when you tick{" "}
        <em>Edits all personas</em>). Each person has their own conversations, user personas and relationship
        memory.
      </p>
      <AddAccountForm
        onAdded={(account) => {
          setMessage(`Added ${account.email}. Give them their password; they can change it under Profile.`);
          void reload();
        }}
      />
      {message && <Notice kind="success">{message}</Notice>}
      <ErrorNotice error={roleChange.error} />
      <h3>People</h3>
      <ErrorNotice error={accounts.error} />
      {accounts.isPending && <Loading label="Loading accounts…" />}
      {accounts.data && (
        <div className="table-scroll">
          <table className="settings-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Edits all personas</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.data.map((account) => {
                const isSelf = account.id === session.account.id;
                return (
                  <tr key={account.id}>
                    <th scope="row" id={`account-${account.id}`}>
                      {account.name || <span className="muted">(no name)</span>}
                      {isSelf && <span className="badge settings-you">you</span>}
                    </th>
                    <td data-label="Email">{account.email}</td>
                    <td data-label="Role">
                      <label className="visually-hidden" htmlFor={`account-${account.id}-role`}>
                        Role of {account.email}
                      </label>
                      <select
                        id={`account-${account.id}-role`}
                        className="settings-role"
                        value={account.role}
                        disabled={roleChange.busy || isSelf}
                        title={isSelf ? "Another admin can change your role" : undefined}
                        onChange={(event) => changeRole(account, event.target.value as Account["role"])}
                      >
                        <option value="member">Member</option>
                        <option value="admin">Admin</option>
                      </select>
                    </td>
                    <td data-label="Edits all personas">
                      <input
                        type="checkbox"
                        id={`account-${account.id}-edit-all`}
                        aria-label={`${account.email} may edit every persona`}
                        checked={account.role === "admin" || account.can_edit_all}
                        disabled={roleChange.busy || account.role === "admin"}
                        title={account.role === "admin" ? "Admins always edit every persona" : undefined}
                        onChange={(event) => changeEditRights(account, event.target.checked)}
                      />
                    </td>
                    <td data-label="Added">
                      {new Date(account.created_at).toLocaleDateString(undefined, { dateStyle: "medium" })}
                    </td>
                    <td className="settings-actions">
                      {!isSelf && (
                        <button
                          type="button"
                          className="button-small"
                          onClick={() => {
                            setNewPassword("");
                            setResetting(account);
                          }}
                          aria-describedby={`account-${account.id}`}
                        >
                          Set password
                        </button>
                      )}
                      {!isSelf && (
                        <button
                          type="button"
                          className="button-small button-danger"
                          onClick={() => setRemoving(account)}
                          aria-describedby={`account-${account.id}`}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={resetting !== undefined}
        title={`Set a new password for ${resetting?.name || resetting?.email || "this account"}`}
        confirmLabel="Set password"
        onClose={() => setResetting(undefined)}
        onConfirm={async () => {
          if (!resetting) return;
          await unwrap(
            client.PATCH("/v1/accounts/{id}", {
              params: { path: { id: resetting.id } },
              body: { password: newPassword },
            }),
          );
          setMessage(
            `New password set for ${resetting.email}. Give it to them; they can change it under Profile.`,
          );
        }}
      >
        <p>For a forgotten password. {resetting?.email} is signed out everywhere.</p>
        <label htmlFor="account-new-password">New password</label>
        <input
          id="account-new-password"
          type="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD_LENGTH}
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
        />
        <p className="field-hint">At least {MIN_PASSWORD_LENGTH} characters.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove ${removing?.name || removing?.email || "this account"}?`}
        confirmLabel="Remove account"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (!removing) return;
          await unwrap(client.DELETE("/v1/accounts/{id}", { params: { path: { id: removing.id } } }));
          setMessage(`Removed ${removing.email}.`);
          await reload();
        }}
      >
        <p>
          {removing?.email} can no longer sign in. Their conversations, user personas and memories stay in the
          workspace: adding the same email again gives them back.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function AddAccountForm({ onAdded }: { onAdded: (account: Account) => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Account["role"]>("member");
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await action.run(async () => {
      onAdded(
        await unwrap(
          client.POST("/v1/accounts", { body: { email: email.trim(), name: name.trim(), password, role } }),
        ),
      );
    });
    if (ok) {
      setEmail("");
      setName("");
      setPassword("");
      setRole("member");
    }
  }

  const error = action.error;
  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="add-account-heading" noValidate>
      <h3 id="add-account-heading">Add a person</h3>
      <FormProblem error={error} fields={["email", "name", "password", "role"]} />
      <div className="form-grid">
        <SettingsField label="Email" error={fieldError(error, "email")}>
          {(control) => (
            <input
              {...control}
              type="email"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              autoComplete="off"
            />
          )}
        </SettingsField>
        <SettingsField label="Name" error={fieldError(error, "name")}>
          {(control) => (
            <input
              {...control}
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoComplete="off"
            />
          )}
        </SettingsField>
        <SettingsField
          label="Password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters. Tell it to them; they can change it.`}
          error={fieldError(error, "password")}
        >
          {(control) => (
            <input
              {...control}
              type="password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              autoComplete="new-password"
            />
          )}
        </SettingsField>
        <SettingsField label="Role" error={fieldError(error, "role")}>
          {(control) => (
            <select
              {...control}
              value={role}
              onChange={(event) => setRole(event.target.value as Account["role"])}
            >
              <option value="member">Member</option>
              <option value="admin">Admin</option>
            </select>
          )}
        </SettingsField>
      </div>
      <button type="submit" className="button-primary" disabled={action.busy}>
        {action.busy ? "Adding…" : "Add account"}
      </button>
    </form>
  );
}
