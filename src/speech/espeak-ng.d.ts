/** npm `espeak-ng` ships no types: an Emscripten module factory (see espeak-synthesizer.ts). */
declare module "espeak-ng" {
  const createEspeak: (options: Record<string, unknown>) => Promise<unknown>;
  export default createEspeak;
}
