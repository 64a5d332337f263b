import { useId, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, client, unwrap } from "../lib/api.ts";
import { ErrorNotice } from "../components/notice.tsx";
import "./auth-pages.css";

const MIN_PASSWORD_LENGTH = 10;

/** Email and password sign-in; the server sets the session cookie. */
export function SignInPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, submit } = useSubmit(async () => {
    await unwrap(client.POST("/v1/auth/login", { body: { email: email.trim(), password } }));
    await onSignedIn();
  });

  return (
    <AuthFrame title="Sign in">
      <p className="muted">Sign in to your Dramatis server.</p>
      <form onSubmit={submit}>
        <FormError error={error} fields={["email", "password"]} />
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
          error={fieldError(error, "email")}
          required
          autoFocus
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          error={fieldError(error, "password")}
          required
        />
        <button type="submit" className="button-primary auth-submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="field-hint auth-footnote">
        Forgot your password? Ask an admin of this server: they can give your account a new one.
      </p>
    </AuthFrame>
  );
}

/** First start: the server has no accounts yet, and the setup token from its log creates the first admin. */
export function SetupPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [token, setToken] = useState(() => new URLSearchParams(window.location.search).get("token") ?? "");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [tooShort, setTooShort] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    if (password.length < MIN_PASSWORD_LENGTH) {
      setTooShort(true);
      return;
    }
    setTooShort(false);
    await unwrap(
      client.POST("/v1/auth/setup", {
        body: { setup_token: token.trim(), name: name.trim(), email: email.trim(), password },
      }),
    );
    await onSignedIn();
  });
  const passwordError =
    fieldError(error, "password") ??
    (tooShort ? `Must be at least ${MIN_PASSWORD_LENGTH} characters.` : undefined);

  return (
    <AuthFrame title="Create the first admin">
      <p>
        Welcome to Dramatis. This server has no accounts yet: create the administrator account. It can then
        add other people from <strong>Settings → Accounts</strong>.
      </p>
      <p className="muted">
        The <strong>setup token</strong> is printed in the server&apos;s log when it starts for the first time
        (look for the line with <code>/setup?token=</code>; opening that link fills it in). An operator can
        also fix it with the <code>DRAMATIS_SETUP_TOKEN</code> environment variable.
      </p>
      <form onSubmit={submit}>
        <FormError error={error} fields={["setup_token", "name", "email", "password"]} />
        <TextField
          label="Setup token"
          value={token}
          onChange={setToken}
          autoComplete="off"
          spellCheck={false}
          error={fieldError(error, "setup_token")}
          required
          autoFocus={token === ""}
        />
        <TextField
          label="Name"
          value={name}
          onChange={setName}
          autoComplete="name"
          error={fieldError(error, "name")}
          required
          autoFocus={token !== ""}
        />
        <TextField
          label="Email"
          type="email"
          value={email}
          onChange={setEmail}
          autoComplete="username"
          error={fieldError(error, "email")}
          required
        />
        <TextField
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters. A passphrase of a few words is easy to remember.`}
          error={passwordError}
          required
          minLength={MIN_PASSWORD_LENGTH}
        />
        <button type="submit" className="button-primary auth-submit" disabled={busy}>
          {busy ? "Creating…" : "Create admin account"}
        </button>
      </form>
    </AuthFrame>
  );
}

function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-screen" id="main">
      <p className="auth-brand" aria-hidden="true">
        Dramatis
      </p>
      <div className="card auth-card">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** Runs a form's action once at a time, keeping its error. */
function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, submit };
}

function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldMessage(field) : undefined;
}

/** The error that belongs to no field (a wrong password, an unreachable server); field errors sit inline. */
function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const unplaced = error.errors.filter(
      (item) => !fields.some((field) => item.field === field || item.field.endsWith(`.${field}`)),
    );
    const allPlaced = error.errors.length > 0 && unplaced.length === 0;
    return (
      <div className="notice notice-error" role="alert">
        {allPlaced ? "Check the fields marked below." : sentence(error.detail || error.title)}
        {unplaced.length > 0 && (
          <ul>
            {unplaced.map((item) => (
              <li key={item.field}>
                {item.field}: {item.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return <ErrorNotice error={error} />;
}

function TextField({
  label,
  value,
  onChange,
  hint,
  error,
  type = "text",
  ...rest
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  error?: string | undefined;
  type?: string;
  autoComplete?: string;
  autoFocus?: boolean;
  required?: boolean;
  minLength?: number;
  spellCheck?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : "", error ? errorId : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...rest}
      />
      {hint && (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The server's messages start in lower case ("the email or password is wrong"); a notice reads as a sentence. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
