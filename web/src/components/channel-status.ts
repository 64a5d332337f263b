import { useQuery } from "@tanstack/react-query";
import { ApiError, client, unwrap, type Schema } from "../lib/api.ts";

/*
 * The channel screens (SMS, WhatsApp, notifications): the SDK's shapes under the names they use, and
 * whether the server has a channel set up.
 */

export type PersonaPhoneNumber = Schema<"PersonaPhoneNumber">;
export type UserPhoneNumber = Schema<"UserPhoneNumber">;
export type PersonaWhatsAppNumber = Schema<"PersonaWhatsAppNumber">;
export type WhatsAppContact = Schema<"WhatsAppContact">;
export type WhatsAppLinkCode = Schema<"WhatsAppLinkCode">;
export type PushDevice = Schema<"PushDevice">;
/** Which channels the server has set up (GET /v1/channels). */
export type ChannelsStatus = Schema<"Channels">;

/**
 * Whether a failure says the channel is not set up on this server (its routes answer 404 naming the
 * settings the operator has to set), rather than that something is wrong.
 */
export function isNotConfigured(error: unknown): error is ApiError {
  return (
    error instanceof ApiError && error.status === 404 && /is not configured on this server/.test(error.detail)
  );
}

/** The server's channels: set by the operator, so read once and shared by every screen. */
export function useChannels() {
  return useQuery({
    queryKey: ["channels"],
    staleTime: Infinity,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/channels", { signal })),
  });
}
