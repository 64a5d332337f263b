import type { Command } from "commander";
import { addJsonOption, clientCommand, type CommandContext, flagValues } from "./command-context.ts";

/**
 * Registers the speech commands: say (text read aloud), voices (what the server offers) and transcribe.
 *
 * @example registerSpeechCommands(program, createCommandContext({ io, configFlags, finish }));
 */
export function registerSpeechCommands(program: Command, { io, act }: CommandContext): void {
  const runSpeech = (action: string) => async (positionals: string[], command: Command) => {
    const { speechCommand } = await import("./speech-command.ts");
    return speechCommand({
      action,
      positionals,
      values: flagValues(command),
      environment: io.environment,
      print: io.print,
      printError: io.printError,
      output: process.stdout,
    });
  };
  clientCommand(program, "say", "read text aloud in a persona's voice (or --voice) and save the audio")
    .argument("[persona]", "the persona's name or id; may be left out when --voice names the voice")
    .argument("[text...]", "what to read")
    .option("-o, --output <file>", "where to write the audio, - for stdout (default PERSONA.wav, or .mp3)")
    .option("--voice <id>", "provider/voice, e.g. espeak/en-us+f3 (default the persona's voice)")
    .option("--locale <locale>", "the language to read in, e.g. en-US (picks the persona's voice for it)")
    .option("--rate <rate>", "speaking rate, 0.5-2 (default the voice configuration's, else 1)")
    .option("--style <style>", "a speaking style the voice offers (e.g. cheerful)")
    .addHelpText(
      "after",
      `
Examples:
  dramatis say Mira "Good morning!"              writes Mira.wav in Mira's voice
  dramatis say Mira Good morning -o - | aplay     the audio on stdout
  dramatis say --voice espeak/en-us "Hello"       no persona: quote the text (one argument)`,
    )
    .action(
      act(async (persona: string | undefined, words: string[], _options, command: Command) =>
        runSpeech("say")(persona === undefined ? words : [persona, ...words], command),
      ),
    );
  addJsonOption(
    clientCommand(program, "voices", "the voices the server can speak with, and its speech services"),
  )
    .option("--locale <locale>", "only voices speaking this language, e.g. de-DE")
    .option("--provider <name>", "only this provider's voices, e.g. espeak")
    .action(act(async (_options, command: Command) => runSpeech("voices")([], command)));
  addJsonOption(clientCommand(program, "transcribe", "turn an audio file into text on the server"))
    .argument("<file>", "the audio (WAV, MP3, OGG, WebM, ...)")
    .option("--locale <locale>", "the language spoken, e.g. en-US")
    .option("--recognizer <name>", "the speech service to use (default the server's)")
    .action(
      act(async (file: string, _options, command: Command) => runSpeech("transcribe")([file], command)),
    );
}
