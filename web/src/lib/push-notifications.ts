import { client, unwrap, type Schema } from "./api.ts";

/*
 * This browser and web push: whether it can, the notification permission, and turning notifications on
 * (register the service worker, subscribe with the server's VAPID key, register the subscription as a
 * device) and off. The API never returns endpoints, so the device id of this browser's subscription is
 * remembered locally; registering the same subscription again (the server answers with the same device)
 * is how it is found again.
 */

export const SERVICE_WORKER_URL = "/service-worker.js";
const DEVICE_KEY = "dramatis.push-device";

/** What this browser can do about notifications right now. */
export type PushState =
  | { kind: "unsupported"; reason: string }
  | { kind: "denied" }
  | { kind: "off" }
  | { kind: "on"; deviceId: string };

function supportProblem(): string | undefined {
  if (!("serviceWorker" in navigator))
    return "This browser has no service workers (or the page is not served over https).";
  if (!("PushManager" in window)) return "This browser does not support web push.";
  if (!("Notification" in window)) return "This browser does not show notifications.";
  return undefined;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration(SERVICE_WORKER_URL);
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** Registers the subscription with the server (a known one answers with its device) and remembers it. */
async function registerDevice(subscription: PushSubscription, name?: string): Promise<string> {
  const { keys } = subscription.toJSON();
  const body: Schema<"PushSubscriptionRegistration"> = {
    endpoint: subscription.endpoint,
    // A subscription always has both keys; toJSON() only types them optional. Blank ones are refused.
    keys: { p256dh: keys?.p256dh ?? "", auth: keys?.auth ?? "" },
    expirationTime: subscription.expirationTime,
    ...(name ? { name } : {}),
  };
  const device = await unwrap(client.POST("/v1/push/subscriptions", { body }));
  localStorage.setItem(DEVICE_KEY, device.id);
  return device.id;
}

/** Where this browser stands; a subscription the server has not heard of yet is registered. */
export async function readPushState(): Promise<PushState> {
  const problem = supportProblem();
  if (problem) return { kind: "unsupported", reason: problem };
  if (Notification.permission === "denied") return { kind: "denied" };
  const subscription = await currentSubscription();
  if (!subscription || Notification.permission !== "granted") return { kind: "off" };
  return { kind: "on", deviceId: await registerDevice(subscription) };
}

/** The server's VAPID public key as the bytes PushManager.subscribe wants. */
async function applicationServerKey(): Promise<Uint8Array<ArrayBuffer>> {
  const { public_key } = await unwrap(client.GET("/v1/push/vapid-public-key"));
  const base64 = public_key.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Thrown with words for people when notifications cannot be turned on. */
export class PushSetupError extends Error {}

/**
 * Asks for permission, subscribes this browser and registers it as a device; resolves with its id.
 *
 * @example const deviceId = await turnOnNotifications("Laptop");
 */
export async function turnOnNotifications(name?: string): Promise<string> {
  const problem = supportProblem();
  if (problem) throw new PushSetupError(problem);
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    throw new PushSetupError(
      permission === "denied"
        ? "Notifications are blocked for this site: allow them in the browser's site settings, then try again."
        : "Notifications were not allowed. Try again and choose Allow.",
    );
  }
  const registration = await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: "/" });
  await navigator.serviceWorker.ready;
  let subscription: PushSubscription;
  try {
    subscription =
      (await registration.pushManager.getSubscription()) ??
      (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: await applicationServerKey(),
      }));
  } catch (error) {
    throw new PushSetupError(
      `This browser could not reach its push service to subscribe (${(error as Error).message}). ` +
        "Check the connection, or try another browser.",
    );
  }
  return registerDevice(subscription, name);
}

/** Unsubscribes this browser and removes its device from the server. */
export async function turnOffNotifications(): Promise<void> {
  const deviceId = localStorage.getItem(DEVICE_KEY);
  const subscription = await currentSubscription();
  await subscription?.unsubscribe();
  if (deviceId) {
    await unwrap(client.DELETE("/v1/push/subscriptions/{id}", { params: { path: { id: deviceId } } })).catch(
      () => undefined,
    );
    localStorage.removeItem(DEVICE_KEY);
  }
}

/** The id of this browser's device, as last registered here. */
export function thisDeviceId(): string | null {
  return localStorage.getItem(DEVICE_KEY);
}
