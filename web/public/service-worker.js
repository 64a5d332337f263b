/*
 * Dramatis's service worker, for web push only: it shows the notification each message a persona sends
 * arrives as, and opens (or focuses) the conversation when it is clicked. The payload is the JSON the
 * server sends (docs/proactive.md, "Web push"): { title, body, url, tag, ... }.
 */

self.addEventListener("push", (event) => {
  let payload = {};
  if (event.data) {
    try {
      payload = event.data.json();
    } catch {
      // Not JSON (another sender, or a test from the browser's tools): show its text as it is.
      payload = { body: event.data.text() };
    }
  }
  const title = typeof payload.title === "string" && payload.title ? payload.title : "Dramatis";
  const options = {
    body: typeof payload.body === "string" ? payload.body : "",
    data: { url: typeof payload.url === "string" ? payload.url : "/" },
  };
  // One notification per message: a repeat of the same tag replaces the earlier one.
  if (typeof payload.tag === "string" && payload.tag) options.tag = payload.tag;
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url ?? "/", self.location.origin);
  // Only the app's own pages: a payload cannot send the user elsewhere.
  const url = target.origin === self.location.origin ? target.href : self.location.origin;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        if ("navigate" in open) await open.navigate(url);
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});
