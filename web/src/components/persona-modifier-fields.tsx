import { useId, useRef } from "react";
import { usePersonaForm } from "./persona-form-context.tsx";
import { CheckboxField } from "./persona-form-fields.tsx";

/**
 * Modifiers. NSFW is permanent once saved (the server refuses to turn it off), so turning it on asks
 * for confirmation first, and a saved NSFW persona shows it locked on.
 */
export function PersonaModifierFields({ savedNsfw }: { savedNsfw: boolean }) {
  const id = useId();
  const form = usePersonaForm();
  const dialog = useRef<HTMLDialogElement>(null);
  const nsfw = form.definition.modifiers.nsfw;

  return (
    <>
      <CheckboxField
        path="modifiers.responds_immediately"
        label="Responds immediately"
        hint="Answers at once regardless of initiative delays (check-ins are not affected)."
      />
      <CheckboxField
        path="modifiers.responds_outside_active_hours"
        label="Responds outside active hours"
        hint="Answers 24/7, ignoring active hours."
      />
      <CheckboxField
        path="modifiers.disable_scheduled_messages"
        label="Disable scheduled messages"
        hint="No automated good-morning, good-night or check-in messages."
      />
      <div className="persona-nsfw">
        <CheckboxField
          path="modifiers.nsfw"
          label="NSFW (mature content)"
          locked={savedNsfw}
          hint={
            savedNsfw
              ? "On permanently: NSFW cannot be turned off once saved."
              : "Permanent: once saved on, it cannot be turned off again."
          }
          onToggle={(checked) => {
            if (checked) dialog.current?.showModal();
            else form.setField("modifiers.nsfw", false);
          }}
        />
        {nsfw && !savedNsfw && (
          <p className="notice notice-warning" role="alert">
            NSFW is on but not saved yet. Saving makes it permanent: it can never be turned off for this
            persona. Untick it now if you are not sure.
          </p>
        )}
      </div>
      <dialog
        ref={dialog}
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-body`}
        className="persona-dialog"
      >
        <h2 id={`${id}-title`}>Turn on NSFW permanently?</h2>
        <p id={`${id}-body`}>
          NSFW allows mature and adult content in this persona&apos;s replies.{" "}
          <strong>Once saved, this setting cannot be turned off.</strong> For a safe-for-work version later
          you would need a new persona.
        </p>
        <div className="button-row">
          <button
            type="button"
            className="button-danger"
            onClick={() => {
              form.setField("modifiers.nsfw", true);
              dialog.current?.close();
            }}
          >
            Turn on NSFW
          </button>
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
