import { createContext, useContext } from "react";
import type { Schema } from "./api.ts";

/** The signed-in person and their tenant, as GET /v1/auth/session returns them. */
export type Account = Schema<"Account">;
export type Session = Schema<"Session">;

export interface SessionContextValue {
  session: Session;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside a signed-in screen");
  return value;
}
