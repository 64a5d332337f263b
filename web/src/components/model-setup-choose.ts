import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { modelSetupKeys, setDefaultModel } from "../lib/model-setup-api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";

/**
 * Makes `model` the tenant's default and refreshes everything that shows it (the set-up state, every
 * model picker, the provider list): what each path of the model screen ends with.
 */
export function useChooseDefaultModel(): (model: string | null) => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(
    async (model: string | null) => {
      await setDefaultModel(model);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: modelSetupKeys.all }),
        queryClient.invalidateQueries({ queryKey: settingsKeys.providers }),
        queryClient.invalidateQueries({ queryKey: settingsKeys.models }),
      ]);
    },
    [queryClient],
  );
}

/** A byte count as people read it: 1.2 GB, 640 MB, 12 KB. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
