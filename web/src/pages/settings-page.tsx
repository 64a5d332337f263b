import { useEffect } from "react";
import { Link, navigate } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import { SettingsAccounts } from "../components/settings-accounts.tsx";
import { SettingsApiKeys } from "../components/settings-api-keys.tsx";
import { SettingsNotifications } from "../components/settings-notifications.tsx";
import { SettingsPhoneNumbers } from "../components/settings-phone-numbers.tsx";
import { SettingsProfile } from "../components/settings-profile.tsx";
import { SettingsProviders } from "../components/settings-providers.tsx";
import { SettingsModel } from "../components/settings-model.tsx";
import { SettingsUserPersonas } from "../components/settings-user-personas.tsx";
import { SettingsWhatsApp } from "../components/settings-whatsapp.tsx";
import "./settings-page.css";

const SECTIONS = [
  { id: "keys", label: "API keys", adminOnly: false },
  { id: "model", label: "Model", adminOnly: false },
  { id: "providers", label: "Model providers", adminOnly: false },
  { id: "user-personas", label: "User personas", adminOnly: false },
  { id: "notifications", label: "Notifications", adminOnly: false },
  { id: "phone-numbers", label: "Phone numbers", adminOnly: false },
  { id: "whatsapp", label: "WhatsApp", adminOnly: false },
  { id: "accounts", label: "Accounts", adminOnly: true },
  { id: "profile", label: "Profile", adminOnly: false },
] as const;

type SectionId = (typeof SECTIONS)[number]["id"];

/**
 * Settings: API keys, the default model, model providers, user personas, notifications, phone numbers (SMS), WhatsApp,
 * accounts (admins) and your profile, one tab each.
 */
export function SettingsPage({ section }: { section: string | undefined }) {
  const { session } = useSession();
  const isAdmin = session.account.role === "admin";
  const visible = SECTIONS.filter((item) => isAdmin || !item.adminOnly);
  const current = visible.find((item) => item.id === (section ?? "keys"));

  // An unknown or forbidden section falls back to the first tab, with a URL that says so.
  useEffect(() => {
    if (!current) navigate("/settings/keys", { replace: true });
  }, [current]);

  // On a phone the tabs scroll sideways: keep the current one in view.
  useEffect(() => {
    document
      .querySelector('.settings-page .tabs [aria-current="page"]')
      ?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [current]);

  useEffect(() => {
    if (current) document.title = `${current.label} · Settings · Dramatis`;
    return () => {
      document.title = "Dramatis";
    };
  }, [current]);

  return (
    <section className="page settings-page">
      <header className="page-header">
        <h1>Settings</h1>
        <span className="muted">
          {session.tenant.name} · signed in as {session.account.email}
        </span>
      </header>
      <nav className="tabs" aria-label="Settings sections">
        {visible.map((item) => (
          <Link
            key={item.id}
            to={`/settings/${item.id}`}
            aria-current={item.id === current?.id ? "page" : undefined}
          >
            {item.label}
          </Link>
        ))}
      </nav>
      {current && <Section id={current.id} />}
    </section>
  );
}

function Section({ id }: { id: SectionId }) {
  switch (id) {
    case "keys":
      return <SettingsApiKeys />;
    case "model":
      return <SettingsModel />;
    case "providers":
      return <SettingsProviders />;
    case "user-personas":
      return <SettingsUserPersonas />;
    case "notifications":
      return <SettingsNotifications />;
    case "phone-numbers":
      return <SettingsPhoneNumbers />;
    case "whatsapp":
      return <SettingsWhatsApp />;
    case "accounts":
      return <SettingsAccounts />;
    case "profile":
      return <SettingsProfile />;
  }
}
