import { createContext, useContext } from "react";

/** The signed-in person, as GET /v1/auth/session returns them. */
export interface Account {
  id: string;
  email: string;
  name: string;
  role: "admin" | "member";
  /** a member an admin let change every persona (admins always may) */
  can_edit_all: boolean;
  /** the users row the API names with X-Dramatis-User (its external id is the email) */
  user_id: string;
  tenant_id: string;
  created_at: string;
}

export interface Session {
  account: Account;
  tenant: { id: string; name: string };
  csrf_token: string;
}

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
