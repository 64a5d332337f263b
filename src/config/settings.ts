import type { z } from "zod";
import { blobSettings } from "./settings-blobs.ts";
import { channelSettings } from "./settings-channels.ts";
import { limitSettings } from "./settings-limits.ts";
import { mediaSettings } from "./settings-media.ts";
import { memorySettings } from "./settings-memory.ts";
import { modelSettings } from "./settings-models.ts";
import { securitySettings } from "./settings-security.ts";
import { serverSettings } from "./settings-server.ts";
import { speechSettings } from "./settings-speech.ts";

/**
 * Every setting: the environment variable, the CLI flag that overrides it, and how to validate it. A feature
 * area keeps its settings in a `settings-<area>.ts` file of its own; they meet here, area by area, in the
 * order `dramatis serve --help` lists the flags and a ConfigError its problems.
 */
export const settings = {
  ...serverSettings,
  ...securitySettings,
  ...limitSettings,
  ...modelSettings,
  ...memorySettings,
  ...speechSettings,
  ...mediaSettings,
  ...channelSettings,
  ...blobSettings,
};

export type SettingName = keyof typeof settings;

/** What each setting's schema turns its text into. */
export type SettingValues = { [K in SettingName]: z.output<(typeof settings)[K]["schema"]> };
