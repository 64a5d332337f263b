import { useEffect, useId, useRef, useState } from "react";

/**
 * A just-created API key, shown this once: a copy button, a warning that it will not be shown again, and
 * how to use it.
 */
export function SettingsNewKey({
  name,
  secret,
  onDone,
}: {
  name: string;
  secret: string;
  onDone: () => void;
}) {
  const id = useId();
  const panelRef = useRef<HTMLElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"copied" | "select" | undefined>();

  useEffect(() => {
    panelRef.current?.scrollIntoView({ block: "nearest" });
    panelRef.current?.focus();
  }, [secret]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("copied");
    } catch {
      // No clipboard access (plain http on another host): select it so Ctrl+C / Cmd+C copies it.
      inputRef.current?.select();
      setCopied("select");
    }
  }

  return (
    <section ref={panelRef} tabIndex={-1} className="card settings-new-key" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>New API key “{name}”</h3>
      <div className="notice notice-warning" role="alert">
        <strong>Copy this key now: it will not be shown again.</strong> Dramatis stores only a fingerprint of
        it. If you lose it, revoke it and create another.
      </div>
      <div className="field">
        <label htmlFor={`${id}-key`}>Your new API key</label>
        <div className="settings-copy-row">
          <input
            ref={inputRef}
            id={`${id}-key`}
            className="settings-secret"
            readOnly
            value={secret}
            spellCheck={false}
            onFocus={(event) => event.target.select()}
          />
          <button type="button" className="button-primary" onClick={copy}>
            Copy key
          </button>
        </div>
        <span className="field-hint" role="status">
          {copied === "copied" && "Copied to the clipboard."}
          {copied === "select" && "Selected: press Ctrl+C (or ⌘C) to copy it."}
        </span>
      </div>
      <p className="field-hint">Use it like this:</p>
      <pre>
        <code>{`curl -H "Authorization: Bearer ${secret}" ${window.location.origin}/v1/personas`}</code>
      </pre>
      <button type="button" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}
