import { useQueryClient } from "@tanstack/react-query";
import { Suspense, useCallback, useEffect, useState, type ReactNode } from "react";
import { flushSync } from "react-dom";
import { client, setCsrfToken, unwrap } from "./lib/api.ts";
import { Link, matchPath, navigate, useLocation } from "./lib/router.tsx";
import { SessionContext, type Session } from "./lib/session.tsx";
import { ErrorNotice, Loading } from "./components/notice.tsx";
import { lazyPage } from "./lib/lazy-page.ts";
import { InboxProvider } from "./components/inbox-provider.tsx";
import { InboxBell } from "./components/inbox-bell.tsx";
import { ModelSetupBanner } from "./components/model-setup-banner.tsx";

// Each screen is a chunk of its own, loaded when first shown: the first load carries only the shell.
const SignInPage = lazyPage(() => import("./pages/auth-pages.tsx").then((page) => page.SignInPage));
const SetupPage = lazyPage(() => import("./pages/auth-pages.tsx").then((page) => page.SetupPage));
const PersonaLibraryPage = lazyPage(() =>
  import("./pages/persona-library-page.tsx").then((page) => page.PersonaLibraryPage),
);
const PersonaBuilderPage = lazyPage(() =>
  import("./pages/persona-builder-page.tsx").then((page) => page.PersonaBuilderPage),
);
const ChatPage = lazyPage(() => import("./pages/chat-page.tsx").then((page) => page.ChatPage));
const MemoryPage = lazyPage(() => import("./pages/memory-page.tsx").then((page) => page.MemoryPage));
const SettingsPage = lazyPage(() => import("./pages/settings-page.tsx").then((page) => page.SettingsPage));
const StudiesSection = lazyPage(() => import("./pages/studies.tsx").then((page) => page.StudiesSection));
const LorebooksPage = lazyPage(() => import("./pages/lorebooks-page.tsx").then((page) => page.LorebooksPage));
const LorebookEditorPage = lazyPage(() =>
  import("./pages/lorebook-editor-page.tsx").then((page) => page.LorebookEditorPage),
);
const ModelSetupPage = lazyPage(() =>
  import("./pages/model-setup-page.tsx").then((page) => page.ModelSetupPage),
);
const GalleryPage = lazyPage(() => import("./pages/gallery-page.tsx").then((page) => page.GalleryPage));
const CallPage = lazyPage(() => import("./pages/call-page.tsx").then((page) => page.CallPage));
const ScheduledMessagesPage = lazyPage(() =>
  import("./pages/scheduled-messages.tsx").then((page) => page.ScheduledMessagesPage),
);

type AuthState =
  | { kind: "loading" }
  | { kind: "signing-out" }
  | { kind: "signed-in"; session: Session }
  | { kind: "signed-out"; setupRequired: boolean }
  | { kind: "failed"; error: unknown };

export function App() {
  const [state, setState] = useState<AuthState>({ kind: "loading" });
  const queryClient = useQueryClient();

  const loadSession = useCallback(async () => {
    try {
      // The status call never answers 401, so a signed-out visit logs no failed request.
      const status = await unwrap(client.GET("/v1/auth/status"));
      if (!status.signed_in) {
        setCsrfToken(undefined);
        setState({ kind: "signed-out", setupRequired: status.setup_required });
        return;
      }
      const session = await unwrap(client.GET("/v1/auth/session"));
      setCsrfToken(session.csrf_token);
      setState({ kind: "signed-in", session });
    } catch (error) {
      setState({ kind: "failed", error });
    }
  }, []);

  useEffect(() => {
    void loadSession();
  }, [loadSession]);

  const signOut = useCallback(async () => {
    // Leave the signed-in screens before the session ends: once it has, whatever they still asked for
    // (a lazy avatar coming into view, a query, the inbox stream) would be refused with 401.
    stopLoadingImages();
    flushSync(() => setState({ kind: "signing-out" }));
    // Nothing of this account is shown or kept for whoever signs in next.
    await queryClient.cancelQueries();
    queryClient.clear();
    navigate("/", { replace: true });
    try {
      await unwrap(client.POST("/v1/auth/logout"));
    } finally {
      setCsrfToken(undefined);
      // Signed out; or, when the logout failed, back on the signed-in screens (the session still holds).
      await loadSession();
    }
  }, [loadSession, queryClient]);

  if (state.kind === "loading") return <Loading />;
  if (state.kind === "signing-out") return <Loading label="Signing out…" />;
  if (state.kind === "failed")
    return (
      <main className="auth-screen">
        <ErrorNotice error={state.error} />
      </main>
    );
  if (state.kind === "signed-out") {
    return (
      <Suspense fallback={<Loading />}>
        {state.setupRequired ? (
          <SetupPage
            onSignedIn={async () => {
              // The first admin chooses where replies come from before anything else.
              navigate("/model-setup", { replace: true });
              await loadSession();
            }}
          />
        ) : (
          <SignInPage onSignedIn={loadSession} />
        )}
      </Suspense>
    );
  }
  return (
    <SessionContext.Provider value={{ session: state.session, signOut }}>
      <InboxProvider>
        <Shell session={state.session} onSignOut={signOut}>
          <Suspense fallback={<Loading />}>
            <Screen />
          </Suspense>
        </Shell>
      </InboxProvider>
    </SessionContext.Provider>
  );
}

/**
 * Stops the pictures still loading (an avatar request waiting for a connection would otherwise go out
 * after the logout): an image without a source aborts its request, and the screens are about to go.
 */
function stopLoadingImages(): void {
  for (const image of Array.from(document.images)) {
    if (!image.complete) image.removeAttribute("src");
  }
}

const NAVIGATION = [
  { to: "/personas", label: "Personas" },
  { to: "/chat", label: "Chat" },
  { to: "/gallery", label: "Gallery" },
  { to: "/lorebooks", label: "Lorebooks" },
  { to: "/studies", label: "Studies" },
  { to: "/scheduled", label: "Scheduled" },
  { to: "/settings", label: "Settings" },
];

function Shell({
  session,
  onSignOut,
  children,
}: {
  session: Session;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/personas" className="brand">
          Dramatis
        </Link>
        <InboxBell />
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-navigation"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <nav id="main-navigation" className={menuOpen ? "nav nav-open" : "nav"} aria-label="Main">
          {NAVIGATION.map((item) => (
            <Link
              key={item.to}
              to={item.to}
              aria-current={path === item.to || path.startsWith(`${item.to}/`) ? "page" : undefined}
            >
              {item.label}
            </Link>
          ))}
          <span className="nav-account" title={session.account.email}>
            {session.account.name || session.account.email}
            <span className="badge">{session.account.role}</span>
          </span>
          <button type="button" className="button-link" onClick={onSignOut}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {(path === "/personas" || path === "/chat") && <ModelSetupBanner />}
        {children}
      </main>
    </div>
  );
}

/** Moves to `to` after rendering: navigating while rendering would update the router mid-render. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Screen() {
  const { path } = useLocation();
  let params: Record<string, string> | undefined;
  if (path === "/" || path === "/login" || path === "/setup") return <Redirect to="/personas" />;
  if (matchPath("/personas", path)) return <PersonaLibraryPage />;
  if (matchPath("/personas/new", path)) return <PersonaBuilderPage personaId={undefined} />;
  if ((params = matchPath("/personas/:id/memory", path))) return <MemoryPage personaId={params.id!} />;
  if ((params = matchPath("/personas/:id", path))) return <PersonaBuilderPage personaId={params.id!} />;
  if (matchPath("/chat", path)) return <ChatPage conversationId={undefined} />;
  if ((params = matchPath("/chat/:id", path))) return <ChatPage conversationId={params.id!} />;
  if (matchPath("/gallery", path)) return <GalleryPage />;
  if ((params = matchPath("/calls/:id", path))) return <CallPage key={params.id} callId={params.id!} />;
  if (matchPath("/lorebooks", path)) return <LorebooksPage />;
  if ((params = matchPath("/lorebooks/:id", path))) return <LorebookEditorPage lorebookId={params.id!} />;
  if (path === "/studies" || path.startsWith("/studies/")) return <StudiesSection path={path} />;
  if (matchPath("/scheduled", path)) return <ScheduledMessagesPage />;
  if (matchPath("/model-setup", path)) return <ModelSetupPage />;
  if (matchPath("/settings", path)) return <SettingsPage section={undefined} />;
  if ((params = matchPath("/settings/:section", path))) return <SettingsPage section={params.section!} />;
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        There is no screen at <code>{path}</code>. <Link to="/personas">Go to your personas.</Link>
      </p>
    </section>
  );
}
