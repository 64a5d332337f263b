import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, client, unwrap } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import {
  PushSetupError,
  readPushState,
  thisDeviceId,
  turnOffNotifications,
  turnOnNotifications,
  type PushState,
} from "../lib/push-notifications.ts";
import type { PushDevice } from "./channel-status.ts";
import "./channel-settings.css";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { formatDateTime } from "./scheduled-format.ts";
import { SettingsField } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";

/**
 * Notifications: messages a persona sends on its own also arrive as browser notifications while the app
 * is closed. Turn them on for this browser, and manage every device that has them: rename, test, remove.
 */
export function SettingsNotifications() {
  const queryClient = useQueryClient();
  const devices = useQuery({
    queryKey: settingsKeys.pushDevices,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/push/subscriptions", { signal })),
  });
  const [state, setState] = useState<PushState | undefined>();
  const [message, setMessage] = useState<{ kind: "success" | "warning"; text: string } | undefined>();
  const [removing, setRemoving] = useState<PushDevice | undefined>();
  const [renaming, setRenaming] = useState<PushDevice | undefined>();
  const action = useAction();
  const devicesChanged = () => queryClient.invalidateQueries({ queryKey: settingsKeys.pushDevices });

  useEffect(() => {
    readPushState().then(setState, () => setState({ kind: "off" }));
  }, []);

  const turnOn = () =>
    action.run(async () => {
      try {
        const deviceId = await turnOnNotifications();
        setState({ kind: "on", deviceId });
        setMessage({ kind: "success", text: "Notifications are on for this browser." });
        void devicesChanged();
      } catch (error) {
        if (!(error instanceof PushSetupError)) throw error;
        setState(await readPushState().catch((): PushState => ({ kind: "off" })));
        setMessage({ kind: "warning", text: error.message });
      }
    });
  const turnOff = () =>
    action.run(async () => {
      await turnOffNotifications();
      setState({ kind: "off" });
      setMessage({ kind: "success", text: "Notifications are off for this browser." });
      void devicesChanged();
    });
  const sendTest = (device: PushDevice) =>
    action.run(async () => {
      try {
        const result = await unwrap(
          client.POST("/v1/push/subscriptions/{id}/test", { params: { path: { id: device.id } } }),
        );
        setMessage(
          result.outcome === "delivered"
            ? { kind: "success", text: `A test notification is on its way to ${device.name}.` }
            : {
                kind: "warning",
                text: `${device.name} was removed: its push service no longer knows it (HTTP ${result.push_service_status}). Turn notifications on there again.`,
              },
        );
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 502) throw error;
        setMessage({ kind: "warning", text: `The test did not arrive: ${error.detail}` });
      }
      // The device's last success or failure changed, or it was removed.
      void devicesChanged();
    });

  const list = devices.data?.data ?? [];
  const current = state?.kind === "on" ? state.deviceId : thisDeviceId();
  return (
    <section aria-labelledby="notifications-heading">
      <div className="settings-section-header">
        <h2 id="notifications-heading">Notifications</h2>
      </div>
      <p className="muted settings-intro">
        When a persona writes to you on its own — a good morning, a check-in — and the app is not open, it
        arrives as a notification on every device you turned them on for.
      </p>
      <div className="card settings-form">
        <h3>This browser</h3>
        <ThisBrowser state={state} busy={action.busy} onTurnOn={turnOn} onTurnOff={turnOff} />
      </div>
      <div aria-live="polite">{message && <Notice kind={message.kind}>{message.text}</Notice>}</div>
      <ErrorNotice error={action.error} />
      <h3>Devices</h3>
      <ErrorNotice error={devices.error} />
      {devices.isPending && <Loading label="Loading devices…" />}
      {devices.data && list.length === 0 && (
        <div className="card settings-empty">
          <p>No device gets notifications yet.</p>
        </div>
      )}
      <ul className="settings-list">
        {list.map((device) => (
          <li key={device.id} className="card settings-item">
            <div className="settings-item-header">
              <h3 id={`device-${device.id}`}>{device.name}</h3>
              {device.id === current && <span className="badge badge-accent">This browser</span>}
            </div>
            {renaming?.id === device.id ? (
              <RenameForm
                device={device}
                onDone={() => setRenaming(undefined)}
                onCancel={() => setRenaming(undefined)}
              />
            ) : (
              <p className="settings-description">
                Through {device.endpoint_origin}; added {formatDateTime(device.created_at)}; last notification{" "}
                {device.last_success_at ? formatDateTime(device.last_success_at) : "none yet"}.
                {device.last_failure && (
                  <>
                    {" "}
                    Last failure {formatDateTime(device.last_failure.at)}: {device.last_failure.detail}
                  </>
                )}
              </p>
            )}
            <div className="button-row">
              <button
                type="button"
                className="button-small"
                onClick={() => void sendTest(device)}
                disabled={action.busy}
                aria-describedby={`device-${device.id}`}
              >
                Send a test notification
              </button>
              <button
                type="button"
                className="button-small"
                onClick={() => setRenaming(device)}
                aria-describedby={`device-${device.id}`}
              >
                Rename
              </button>
              <button
                type="button"
                className="button-small button-danger"
                onClick={() => setRemoving(device)}
                aria-describedby={`device-${device.id}`}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove ${removing?.name ?? ""}?`}
        confirmLabel="Remove device"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (!removing) return;
          await unwrap(
            client.DELETE("/v1/push/subscriptions/{id}", { params: { path: { id: removing.id } } }),
          );
          if (removing.id === current) setState({ kind: "off" });
          await devicesChanged();
        }}
      >
        <p>It gets no more notifications. Turn them on again on that device to get them back.</p>
      </ConfirmDialog>
    </section>
  );
}

function ThisBrowser({
  state,
  busy,
  onTurnOn,
  onTurnOff,
}: {
  state: PushState | undefined;
  busy: boolean;
  onTurnOn: () => void;
  onTurnOff: () => void;
}) {
  if (!state) return <Loading label="Checking this browser…" />;
  switch (state.kind) {
    case "unsupported":
      return <p>{state.reason}</p>;
    case "denied":
      return (
        <p>
          Notifications are blocked for this site. Allow them in the browser&apos;s site settings (the icon
          beside the address), then reload this page.
        </p>
      );
    case "off":
      return (
        <div className="button-row">
          <button type="button" className="button-primary" onClick={onTurnOn} disabled={busy}>
            {busy ? "Turning on…" : "Turn on notifications on this device"}
          </button>
        </div>
      );
    case "on":
      return (
        <div className="button-row">
          <span>Notifications are on.</span>
          <button type="button" className="button-small" onClick={onTurnOff} disabled={busy}>
            Turn off
          </button>
        </div>
      );
  }
}

function RenameForm({
  device,
  onDone,
  onCancel,
}: {
  device: PushDevice;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(device.name);
  const queryClient = useQueryClient();
  const rename = useMutation({
    mutationFn: (newName: string) =>
      unwrap(
        client.PATCH("/v1/push/subscriptions/{id}", {
          params: { path: { id: device.id } },
          body: { name: newName },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: settingsKeys.pushDevices });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate(name.trim());
  };
  return (
    <form className="settings-inline-form" onSubmit={submit} aria-label={`Rename ${device.name}`}>
      <ErrorNotice error={rename.error} />
      <SettingsField label="Device name">
        {(control) => (
          <input
            {...control}
            value={name}
            maxLength={100}
            onChange={(event) => setName(event.target.value)}
            required
          />
        )}
      </SettingsField>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={rename.isPending || name.trim() === ""}>
          Save name
        </button>
        <button type="button" className="button-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
