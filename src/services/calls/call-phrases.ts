/** What a call says when it ends on its own, and the opener of a persona without a first message. */
export interface CallPhrases {
  silence: string;
  timeLimit: string;
  hello: (name: string) => string;
}

const PHRASES: Record<string, CallPhrases> = {
  en: {
    silence: "It seems you've gone quiet, so I'll hang up now. Talk to you soon. Goodbye!",
    timeLimit: "We've reached the time limit for this call. It was lovely talking with you. Goodbye!",
    hello: (name) => `Hi, this is ${name}. How can I help you?`,
  },
  de: {
    silence: "Es ist ganz still geworden, ich lege jetzt auf. Bis bald, tschüss!",
    timeLimit:
      "Wir haben das Zeitlimit für dieses Gespräch erreicht. Es war schön, mit dir zu reden. Tschüss!",
    hello: (name) => `Hallo, hier ist ${name}. Wie kann ich helfen?`,
  },
  fr: {
    silence: "Tu sembles silencieux, je vais raccrocher. À bientôt !",
    timeLimit: "Nous avons atteint la durée maximale de cet appel. C'était un plaisir. Au revoir !",
    hello: (name) => `Bonjour, ici ${name}. Comment puis-je t'aider ?`,
  },
  es: {
    silence: "Parece que te has quedado en silencio, así que voy a colgar. ¡Hasta pronto!",
    timeLimit: "Hemos llegado al tiempo máximo de esta llamada. Me encantó hablar contigo. ¡Adiós!",
    hello: (name) => `Hola, soy ${name}. ¿En qué puedo ayudarte?`,
  },
};

/** The phrases in the locale's language (English when there are none in it). */
export function callPhrasesFor(locale: string): CallPhrases {
  return PHRASES[locale.split("-")[0]!.toLowerCase()] ?? PHRASES.en!;
}
