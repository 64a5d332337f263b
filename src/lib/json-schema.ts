import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";

/*
 * JSON schemas written by users (a study's answer, an OpenAI client's response_format or tool
 * parameters): compiled once, with the draft they name, and used to check values.
 */

const compiledSchemas = new Map<string, ValidateFunction | Error>();
const COMPILED_SCHEMA_CACHE_SIZE = 64;

/**
 * Compiles a user's JSON schema with ajv, picking the draft from `$schema` (2019-09, 2020-12, else
 * draft-07). Lenient about unknown keywords and formats (formats are not checked): schemas written for
 * model providers carry extensions. Results are cached by the schema's text, so a study compiles once.
 */
export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction | Error {
  const key = JSON.stringify(schema);
  const cached = compiledSchemas.get(key);
  if (cached !== undefined) return cached;
  let result: ValidateFunction | Error;
  try {
    const draft = typeof schema.$schema === "string" ? schema.$schema : "";
    const options = { strict: false, allErrors: true, validateFormats: false, logger: false } as const;
    const ajv = draft.includes("2020-12")
      ? new Ajv2020(options)
      : draft.includes("2019-09")
        ? new Ajv2019(options)
        : new Ajv(options);
    result = ajv.compile(schema as AnySchemaObject);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = message.startsWith("no schema with key or ref")
      ? new Error(
          `$schema ${JSON.stringify(schema.$schema)} is not supported; use draft-07, 2019-09 or 2020-12, or leave it out`,
        )
      : new Error(
          // ajv names the schema "data" and paths with slashes: "data/type must be …" → "schema.type must be …".
          message
            .replace(/^schema is invalid: /, "")
            .replace(
              /\bdata((?:\/[^\s,]*)?)/g,
              (_match, path: string) => `schema${path.replaceAll("/", ".")}`,
            ),
        );
  }
  if (compiledSchemas.size >= COMPILED_SCHEMA_CACHE_SIZE) {
    compiledSchemas.delete(compiledSchemas.keys().next().value as string);
  }
  compiledSchemas.set(key, result);
  return result;
}

/**
 * Why `value` does not match `schema`, as short sentences ("/age must be integer"); empty when it
 * matches. A schema that does not compile is one problem naming it.
 *
 * @example jsonSchemaProblems({ type: "object", required: ["a"] }, {}) // ["must have required property 'a'"]
 */
export function jsonSchemaProblems(schema: Record<string, unknown>, value: unknown): string[] {
  const validate = compileJsonSchema(schema);
  if (validate instanceof Error) return [`the schema is not valid: ${validate.message}`];
  if (validate(value)) return [];
  return (validate.errors ?? []).slice(0, 5).map(describeSchemaError);
}

function describeSchemaError(error: ErrorObject): string {
  return `${error.instancePath || "the value"} ${error.message ?? "is not valid"}`;
}
