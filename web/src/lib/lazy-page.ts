import { lazy, type ComponentType } from "react";

/**
 * A screen loaded on first render, in a chunk of its own (React.lazy wants a default export; the pages
 * export by name). Render it inside a <Suspense>.
 *
 * @example const ChatPage = lazyPage(() => import("../pages/chat-page.tsx").then((page) => page.ChatPage));
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- props are checked where the page is used
export function lazyPage<Page extends ComponentType<any>>(load: () => Promise<Page>) {
  return lazy(async () => ({ default: await load() }));
}
