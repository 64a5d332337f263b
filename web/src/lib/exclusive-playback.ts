/**
 * One sound at a time across the app: starting a reading, a voice message or a voice preview pauses
 * whatever else is playing on the page.
 */
export async function playExclusively(audio: HTMLAudioElement): Promise<void> {
  pauseOthers(audio);
  await audio.play();
}

/** For players with their own controls: call from their `play` event. */
export function pauseOthers(audio: HTMLAudioElement): void {
  for (const other of document.querySelectorAll("audio")) {
    if (other !== audio && !other.paused) other.pause();
  }
}

/** Pauses and rewinds, so the next play starts from the beginning. */
export function stopPlayback(audio: HTMLAudioElement): void {
  audio.pause();
  if (audio.readyState > 0) audio.currentTime = 0;
}
