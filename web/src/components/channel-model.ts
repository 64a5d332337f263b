import { ApiError, api } from "../lib/api.ts";
import { useResource, type Resource } from "../lib/use-resource.ts";

/*
 * What the channel screens (SMS, WhatsApp, notifications) read from the server, as the API returns it.
 */

/** A Twilio number bound to a persona. */
export interface PersonaPhoneNumber {
  phone_number: string;
  persona_id: string;
  created_at: string;
}

/** A phone number of the signed-in user's: verified, or waiting for its code. */
export interface UserPhoneNumber {
  phone_number: string;
  status: "pending" | "verified";
  opted_out: boolean;
  verified_at: string | null;
  code_expires_at: string | null;
}

/** A WhatsApp Business number bound to a persona. */
export interface PersonaWhatsAppNumber {
  phone_number_id: string;
  display_phone_number: string;
  persona_id: string;
  created_at: string;
}

/** A WhatsApp linked to the signed-in user. */
export interface WhatsAppContact {
  wa_id: string;
  profile_name: string | null;
  linked_at: string | null;
  last_message_at: string | null;
}

export interface WhatsAppLinkCode {
  code: string;
  expires_at: string;
  send_to: { persona_id: string; persona_name: string; display_phone_number: string }[];
}

/** A browser registered for notifications. */
export interface PushDevice {
  id: string;
  name: string;
  endpoint_origin: string;
  expiration_time: number | null;
  created_at: string;
  updated_at: string;
  last_success_at: string | null;
  last_failure: { at: string; status: number | null; detail: string } | null;
}

/**
 * Whether a failure says the channel is not set up on this server (its routes answer 404 naming the
 * settings the operator has to set), rather than that something is wrong.
 */
export function isNotConfigured(error: unknown): error is ApiError {
  return (
    error instanceof ApiError && error.status === 404 && /is not configured on this server/.test(error.detail)
  );
}

/** Which channels the server has set up (GET /v1/channels). */
export interface ChannelsStatus {
  sms: { enabled: boolean; webhook_path: string };
  whatsapp: { enabled: boolean; webhook_path: string };
  push: { enabled: boolean };
}

/** The server's channels, asked once per screen. */
export function useChannels(): Resource<ChannelsStatus> {
  return useResource("channels", () => api<ChannelsStatus>("GET", "/v1/channels"));
}
