import { useEffect } from "react";

/** Names the browser tab after the screen ("Skills · Studies · Dramatis"), and restores it on leaving. */
export function useStudyPageTitle(title: string | undefined): void {
  useEffect(() => {
    if (!title) return;
    document.title = `${title} · Dramatis`;
    return () => {
      document.title = "Dramatis";
    };
  }, [title]);
}
