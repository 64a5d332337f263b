import fc from "fast-check";

/**
 * fast-check arbitraries derived from the app's OpenAPI 3.1 document: one request per draw, aimed at a
 * real route with a body shaped by the operation's request schema, and mixed with the hostile shapes an
 * attacker sends (wrong types, missing and extra fields, huge and odd strings, deep nesting, bytes that
 * are not UTF-8, the wrong content type, foreign and garbage path parameters).
 *
 * The generator knows nothing of Dramatis beyond what the document says; the caller supplies the ids
 * that exist (so paths hit real rows) and the roles to send as.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonSchema = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, JsonSchema> };
}

interface OpenApiParameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: (OpenApiParameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

/** One operation of the document, with its parameters and body schemas resolved. */
export interface Operation {
  method: string;
  /** the templated path, e.g. /v1/personas/{id} */
  path: string;
  parameters: OpenApiParameter[];
  /** content type -> schema */
  bodies: Record<string, JsonSchema>;
  bodyRequired: boolean;
  /** `security: []`: public */
  isPublic: boolean;
}

/** A request ready to send in process. */
export interface FuzzRequest {
  operation: string;
  role: string;
  method: string;
  /** path and query, already encoded */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** what the generator did, for the failure report */
  shape: string;
}

/** The hints that make requests land on real rows: ids by the path prefix that names them. */
export interface IdPools {
  /** ids for `{param}` of `path`, e.g. the tenant's personas for /v1/personas/{id}; may be empty */
  idsFor(path: string, parameter: string): readonly string[];
  /** real ids or known-good values for a body or query field such as `persona_id`, `memory_ids[]`, `time_zone` */
  idsForField(field: string): readonly string[];
}

export interface Role {
  name: string;
  headers(method: string): Record<string, string>;
}

/** Lists the document's operations with `$ref`s in parameters resolved. */
export function listOperations(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = (operation.parameters ?? []).map(
        (parameter) => resolve(document, parameter) as OpenApiParameter,
      );
      const bodies: Record<string, JsonSchema> = {};
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        bodies[type] = media.schema ?? {};
      }
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters,
        bodies,
        bodyRequired: operation.requestBody?.required === true,
        isPublic: Array.isArray(operation.security) && operation.security.length === 0,
      });
    }
  }
  return operations;
}

function resolve(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === "string" && hops < 20; hops++) {
    const parts = (current.$ref as string).replace(/^#\//, "").split("/");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let target: any = document;
    for (const part of parts) target = target?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    current = {
      ...(target ?? {}),
      ...Object.fromEntries(Object.entries(current).filter(([k]) => k !== "$ref")),
    };
  }
  return current;
}

/** Strings that break naive code: unicode planes, RTL, NUL, lone surrogates, SQL and path metacharacters. */
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1e309",
  "__proto__",
  "constructor",
  "'; drop table personas; --",
  "%",
  "%00",
  "%ff%fe",
  "../../etc/passwd",
  "\ud800",
  "\udfff\ud800",
  "\u202eevil",
  "👩‍👩‍👧‍👦🏳️‍🌈",
  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
  "ﷺ",
  "\t\r\n",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "9999-99-99T99:99:99Z",
  "1970-01-01T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z",
  "-000001-01-01T00:00:00Z",
  "2026-13-45",
  "http://127.0.0.1:1/",
  "mailto:x@y",
];

const nastyString = fc.constantFrom(...NASTY_STRINGS);
const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
);

/** A value of any JSON type, shallow: what a wrong-type mutation puts where something else belongs. */
const anyJsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  anyText,
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 2 ** 53),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

export interface SchemaArbitraryOptions {
  document: OpenApiDocument;
  pools: IdPools;
  /** nesting left before objects and arrays stop growing */
  depth?: number;
  /** the property this schema sits under, for id hints */
  field?: string;
}

const MAX_ITEMS = 4;
const MAX_STRING = 60;

function idHint(options: SchemaArbitraryOptions): fc.Arbitrary<string> | undefined {
  const field = options.field;
  if (!field) return undefined;
  const ids = options.pools.idsForField(field);
  if (ids.length === 0) return undefined;
  return fc.constantFrom(...ids);
}

function stringArbitrary(schema: JsonSchema, options: SchemaArbitraryOptions): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? MAX_STRING, minLength + MAX_STRING));
  const hint = idHint(options);
  let base: fc.Arbitrary<string>;
  switch (schema.format) {
    case "date-time":
      base = fc
        .date({
          min: new Date("1900-01-01T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString());
      break;
    case "date":
      base = fc
        .date({
          min: new Date("1900-01-01T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString().slice(0, 10));
      break;
    case "email":
      base = fc.emailAddress();
      break;
    case "uri":
    case "url":
      // Mostly a closed loopback port: a URL the server may try to reach answers at once, never the network.
      base = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom("http://127.0.0.1:9/v1", "https://127.0.0.1:9/x.png") },
        {
          weight: 1,
          arbitrary: fc.webUrl().map((url) => url.replace(/^(https?:\/\/)[^/:?#]+/, "$1127.0.0.1:9")),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "not a url",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "http://[::1",
            "",
          ),
        },
      );
      break;
    case "uuid":
      base = fc.uuid();
      break;
    default:
      if (typeof schema.pattern === "string") {
        try {
          base = fc.stringMatching(new RegExp(schema.pattern)).filter((text) => text.length <= maxLength);
        } catch {
          base = fc.string({ minLength, maxLength });
        }
      } else {
        base = fc.oneof(
          { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
          { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength, maxLength }) },
          { weight: 1, arbitrary: fc.constantFrom("alice", "bob", "Oslo", "chef", "hello there") },
        );
      }
  }
  return hint ? fc.oneof({ weight: 9, arbitrary: hint }, { weight: 1, arbitrary: base }) : base;
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  let min = typeof schema.minimum === "number" ? schema.minimum : undefined;
  let max = typeof schema.maximum === "number" ? schema.maximum : undefined;
  if (typeof schema.exclusiveMinimum === "number") min = schema.exclusiveMinimum + (integer ? 1 : 1e-6);
  if (typeof schema.exclusiveMaximum === "number") max = schema.exclusiveMaximum - (integer ? 1 : 1e-6);
  if (integer) {
    const lower = min === undefined ? -1000 : Math.ceil(min);
    const upper = max === undefined ? Math.max(lower, 1000) : Math.floor(max);
    // Mostly small values near the lower bound, where real use lives (sizes, limits); the bounds and just
    // past them. Accepted values stay within 1,000 of the lower bound: a valid 100,000-persona population
    // is legitimate work that would spend the run's time in the background worker rather than on requests.
    const cheapUpper = Math.max(lower, Math.min(upper, lower + 1000));
    return fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: lower, max: Math.max(lower, Math.min(upper, lower + 20)) }) },
      { weight: 1, arbitrary: fc.integer({ min: lower, max: cheapUpper }) },
      { weight: 1, arbitrary: fc.constantFrom(lower, cheapUpper) },
    );
  }
  return fc.double({
    min: min ?? -1e6,
    max: max ?? 1e6,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function mergeAllOf(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  if (!Array.isArray(schema.allOf)) return schema;
  const merged: JsonSchema = { ...schema };
  delete merged.allOf;
  for (const part of schema.allOf as JsonSchema[]) {
    const resolved = mergeAllOf(document, resolve(document, part));
    merged.type ??= resolved.type;
    merged.properties = { ...(merged.properties ?? {}), ...(resolved.properties ?? {}) };
    merged.required = [...(merged.required ?? []), ...(resolved.required ?? [])];
    for (const [key, value] of Object.entries(resolved)) {
      if (!["properties", "required", "type"].includes(key)) merged[key] ??= value;
    }
  }
  return merged;
}

/**
 * A value that (mostly) satisfies `schema`: types, enums, const, formats, bounds, required and optional
 * properties, nested objects and arrays, anyOf/oneOf branches. Fields named like ids draw real ids.
 */
export function schemaArbitrary(input: JsonSchema, options: SchemaArbitraryOptions): fc.Arbitrary<unknown> {
  const { document } = options;
  const depth = options.depth ?? 6;
  const schema = mergeAllOf(document, resolve(document, input ?? {}));
  if ("const" in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return fc.constantFrom(...(schema.enum as unknown[]));
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const rest = { ...schema };
    delete rest.anyOf;
    delete rest.oneOf;
    return fc.oneof(
      ...branches.map((branch) => schemaArbitrary({ ...rest, ...resolve(document, branch) }, options)),
    );
  }
  const types: string[] = Array.isArray(schema.type)
    ? schema.type
    : typeof schema.type === "string"
      ? [schema.type]
      : schema.properties
        ? ["object"]
        : schema.items
          ? ["array"]
          : [];
  if (types.length === 0) return depth > 0 ? anyJsonLeaf : fc.constant(null);
  if (types.length > 1) {
    return fc.oneof(...types.map((type) => schemaArbitrary({ ...schema, type }, options)));
  }
  const next = { ...options, depth: depth - 1 };
  switch (types[0]) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return numberArbitrary(schema, true);
    case "number":
      return numberArbitrary(schema, false);
    case "string":
      return stringArbitrary(schema, options);
    case "array": {
      const minItems = schema.minItems ?? 0;
      const maxItems = Math.max(minItems, Math.min(schema.maxItems ?? MAX_ITEMS, minItems + MAX_ITEMS));
      if (Array.isArray(schema.prefixItems)) {
        return fc.tuple(...(schema.prefixItems as JsonSchema[]).map((item) => schemaArbitrary(item, next)));
      }
      if (depth <= 0) return fc.constant([]);
      return fc.array(schemaArbitrary(schema.items ?? {}, { ...next, field: options.field }), {
        minLength: minItems,
        maxLength: maxItems,
      });
    }
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set<string>(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) {
        record[name] = schemaArbitrary(property, { ...next, field: name });
      }
      if (depth <= 0 && required.size === 0) return fc.constant({});
      const object = fc.record(record, { requiredKeys: [...required].filter((name) => name in record) });
      const additional = schema.additionalProperties;
      if (additional && typeof additional === "object" && Object.keys(properties).length === 0) {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), schemaArbitrary(additional, next), {
          maxKeys: 3,
        });
      }
      return object;
    }
    default:
      return anyJsonLeaf;
  }
}

/** JSON nested `levels` deep inside `key`, built without recursion so any depth is cheap to make. */
function deeplyNested(levels: number, asArrays: boolean): string {
  return asArrays
    ? "[".repeat(levels) + "]".repeat(levels)
    : '{"a":'.repeat(levels) + "1" + "}".repeat(levels);
}

const NESTING_MARK = "\u0001nesting\u0001";

interface Mutation {
  value: unknown;
  shape: string;
  /** rewrites the serialised body (for shapes JSON.stringify cannot build cheaply) */
  raw?: (json: string) => string;
}

/** A hostile edit of a JSON value: the wrong type, a field dropped or added, huge or odd strings, deep nesting. */
function mutateValue(value: unknown): fc.Arbitrary<Mutation> {
  const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
  const keys = isObject ? Object.keys(value as object) : [];
  const mutations: fc.Arbitrary<Mutation>[] = [
    anyJsonLeaf.map((leaf) => ({ value: leaf, shape: "wrong type for the whole body" })),
  ];
  if (isObject) {
    mutations.push(
      fc.record({ extra: fc.string({ maxLength: 20 }), leaf: anyJsonLeaf }).map(({ extra, leaf }) => ({
        value: { ...(value as object), [extra]: leaf },
        shape: `extra field ${JSON.stringify(extra)}`,
      })),
      fc.constantFrom("__proto__", "constructor", "prototype").map((name) => ({
        value: JSON.parse(
          JSON.stringify(value).replace(/^\{/, `{"${name}":{"polluted":true},`).replace(/,\}$/, "}"),
        ),
        shape: `prototype key ${name}`,
      })),
    );
  }
  // Fields that hold objects (extensions, metadata, answer schemas) are where deep nesting gets stored.
  const objectKeys = keys.filter((name) => {
    const field = (value as Record<string, unknown>)[name];
    return field !== null && typeof field === "object";
  });
  if (objectKeys.length > 0) {
    mutations.push(
      fc.tuple(fc.constantFrom(...objectKeys), fc.constantFrom(65, 2000, 5000)).map(([name, levels]) => ({
        value: { ...(value as object), [name]: { nested: NESTING_MARK } },
        raw: (json: string) => json.replace(JSON.stringify(NESTING_MARK), deeplyNested(levels, false)),
        shape: `${levels}-level nested objects inside ${name}`,
      })),
    );
  }
  if (keys.length > 0) {
    const key = fc.constantFrom(...keys);
    mutations.push(
      key.map((name) => {
        const copy = { ...(value as Record<string, unknown>) };
        delete copy[name];
        return { value: copy, shape: `missing field ${name}` };
      }),
      fc.tuple(key, anyJsonLeaf).map(([name, leaf]) => ({
        value: { ...(value as object), [name]: leaf },
        shape: `wrong type for ${name}`,
      })),
      fc.tuple(key, fc.constantFrom(10_000, 100_000, 1_000_000)).map(([name, length]) => ({
        value: { ...(value as object), [name]: "x".repeat(length) },
        shape: `huge string (${length}) in ${name}`,
      })),
      fc
        .tuple(key, fc.constantFrom(50, 64, 65, 200, 2000, 5000), fc.boolean())
        .map(([name, levels, arrays]) => ({
          // Spliced in as text: building and stringifying thousands of levels would recurse here, not there.
          value: { ...(value as object), [name]: NESTING_MARK },
          raw: (json: string) => json.replace(JSON.stringify(NESTING_MARK), deeplyNested(levels, arrays)),
          shape: `${levels}-level nested ${arrays ? "arrays" : "objects"} in ${name}`,
        })),
      fc.tuple(key, fc.constantFrom(1_000, 10_000)).map(([name, count]) => ({
        value: { ...(value as object), [name]: Array.from({ length: count }, (_, index) => index) },
        shape: `${count}-item array in ${name}`,
      })),
      fc.tuple(key, fc.constantFrom(-1, 0, 1e9, -1e9, 0.5, 2 ** 53 + 1)).map(([name, number]) => ({
        value: { ...(value as object), [name]: number },
        shape: `number ${number} in ${name}`,
      })),
      fc.tuple(key, nastyString).map(([name, text]) => ({
        value: { ...(value as object), [name]: text },
        shape: `odd string in ${name}`,
      })),
    );
  }
  return fc.oneof(...mutations);
}

/** Raw bodies no JSON parser should accept, or that JSON parsers disagree on. */
const MALFORMED_JSON = [
  "",
  "{",
  "}",
  "[",
  "{'a':1}",
  '{"a":1,}',
  '{"a":1}{"b":2}',
  "nul",
  "NaN",
  "Infinity",
  '"\\ud800"',
  '{"a":"\\u00"}',
  "\u0000",
  '{"a":1e999999}',
  '{"__proto__":{"admin":true}}',
  "\ufeff{}",
  "[]",
  "null",
  "true",
  "0",
  '"a string"',
];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "multipart/form-data",
  "application/xml",
  "application/x-ndjson",
  "image/png",
  "application/octet-stream",
  "application/*",
  "",
  ";;;",
  "application/json\u0000",
];

/** The smallest valid PNG (1x1, grey): lets image routes reach decoding rather than stop at the signature. */
const TINY_PNG = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABc3UBGAAAAABJRU5ErkJggg==",
    "base64",
  ),
);

interface BodyDraw {
  body?: string | Uint8Array;
  contentType?: string;
  shape: string;
}

function bodyArbitrary(operation: Operation, options: SchemaArbitraryOptions): fc.Arbitrary<BodyDraw> {
  const types = Object.keys(operation.bodies);
  const none: fc.Arbitrary<BodyDraw> = fc.constant({ shape: "no body" });
  const hostileRaw: fc.Arbitrary<BodyDraw> = fc.oneof(
    fc
      .tuple(fc.constantFrom(...MALFORMED_JSON), fc.constantFrom(...CONTENT_TYPES))
      .map(([body, contentType]) => ({
        body,
        contentType,
        shape: `malformed body ${JSON.stringify(body)} as ${JSON.stringify(contentType)}`,
      })),
    fc
      .uint8Array({ maxLength: 64 })
      .map((bytes) => ({ body: bytes, contentType: "application/json", shape: "random bytes as JSON" })),
    fc.constantFrom(...CONTENT_TYPES).map((contentType) => ({
      body: Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
      contentType,
      shape: `invalid UTF-8 in a JSON string as ${JSON.stringify(contentType)}`,
    })),
    fc.constantFrom(...CONTENT_TYPES).map((contentType) => ({
      body: TINY_PNG,
      contentType,
      shape: `a PNG as ${JSON.stringify(contentType)}`,
    })),
  );
  if (types.length === 0) {
    // Routes without a body still get one sometimes: a body where none belongs must not break them.
    return fc.oneof({ weight: 6, arbitrary: none }, { weight: 1, arbitrary: hostileRaw });
  }
  const perType = types.map((type) => {
    const schema = operation.bodies[type]!;
    if (type.startsWith("image/")) {
      return fc.oneof(
        fc.constant<BodyDraw>({ body: TINY_PNG, contentType: type, shape: `tiny PNG as ${type}` }),
        fc
          .uint8Array({ maxLength: 256 })
          .map((bytes) => ({ body: bytes, contentType: type, shape: `random bytes as ${type}` })),
        fc.uint8Array({ maxLength: 64 }).map((bytes) => ({
          body: Uint8Array.from([...TINY_PNG.subarray(0, 33), ...bytes]),
          contentType: type,
          shape: `truncated PNG with junk as ${type}`,
        })),
      );
    }
    if (type === "multipart/form-data") {
      return fc.string({ maxLength: 40 }).map((text) => ({
        body: `--xyz\r\nContent-Disposition: form-data; name="file"; filename="card.json"\r\nContent-Type: application/json\r\n\r\n{"spec":"chara_card_v2","data":{"name":${JSON.stringify(text)}}}\r\n--xyz--\r\n`,
        contentType: "multipart/form-data; boundary=xyz",
        shape: "multipart card",
      }));
    }
    const value = schemaArbitrary(schema, options);
    if (type === "application/x-ndjson") {
      return fc.array(value, { maxLength: 4 }).map((items) => ({
        body: items.map((item) => JSON.stringify(item)).join("\n"),
        contentType: type,
        shape: "ndjson from schema",
      }));
    }
    if (type === "application/x-www-form-urlencoded") {
      return value.map((item) => ({
        body: new URLSearchParams(
          Object.entries((item ?? {}) as Record<string, unknown>).map(
            ([k, v]) => [k, String(v)] as [string, string],
          ),
        ).toString(),
        contentType: type,
        shape: "form from schema",
      }));
    }
    const valid = value.map((item) => ({
      body: JSON.stringify(item),
      contentType: type,
      shape: "valid-ish JSON",
    }));
    const mutated = value.chain((item) =>
      mutateValue(item).map(({ value: edited, shape, raw }) => {
        const json = JSON.stringify(edited) ?? "null";
        return { body: raw ? raw(json) : json, contentType: type, shape };
      }),
    );
    // A well-formed body under the wrong content type (a multipart or form type, none, an odd charset).
    const mislabelled = fc.tuple(value, fc.constantFrom(...CONTENT_TYPES)).map(([item, contentType]) => ({
      body: JSON.stringify(item),
      contentType,
      shape: `valid-ish JSON as ${JSON.stringify(contentType)}`,
    }));
    const deep = fc.tuple(fc.constantFrom(65, 1000, 5000), fc.boolean()).map(([levels, arrays]) => ({
      body: deeplyNested(levels, arrays),
      contentType: type,
      shape: `${levels}-level nested ${arrays ? "arrays" : "objects"}`,
    }));
    return fc.oneof(
      { weight: 10, arbitrary: valid },
      { weight: 6, arbitrary: mutated },
      { weight: 1, arbitrary: deep },
      { weight: 1, arbitrary: mislabelled },
    );
  });
  return fc.oneof(
    { weight: 12, arbitrary: fc.oneof(...perType) },
    { weight: 2, arbitrary: hostileRaw },
    { weight: operation.bodyRequired ? 1 : 3, arbitrary: none },
  );
}

/**
 * encodeURIComponent that never throws: lone surrogates (which it refuses) go out as the UTF-8 encoder's
 * replacement bytes, as a client library would send them.
 */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((byte) =>
      /[A-Za-z0-9\-_.!~*'()]/.test(String.fromCharCode(byte)) && byte < 0x80
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
}

/** Percent-encoded garbage, traversal and oversize ids: what a path segment should survive. */
const GARBAGE_SEGMENTS = [
  "%",
  "%25",
  "%zz",
  "%ff",
  "%c3%28",
  "%ed%a0%80",
  "%00",
  "..",
  "%2e%2e",
  "%2f",
  "a%2fb",
  "%20",
  "null",
  "0",
  "-1",
  "1e999",
  "__proto__",
  percentEncode("👩‍👩‍👧"),
  "x".repeat(201),
  "x".repeat(5000),
  "'%20or%201=1--",
];

function pathParameterArbitrary(
  operation: Operation,
  parameter: OpenApiParameter,
  options: SchemaArbitraryOptions,
  foreignIds: readonly string[],
): fc.Arbitrary<string> {
  // A copy: the pool itself changes as the run creates and deletes objects.
  const own = [...options.pools.idsFor(operation.path, parameter.name)];
  const choices: { weight: number; arbitrary: fc.Arbitrary<string> }[] = [
    {
      weight: 2,
      arbitrary: schemaArbitrary(parameter.schema ?? { type: "string" }, options).map((value) =>
        percentEncode(String(value)),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(...GARBAGE_SEGMENTS) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }).map(percentEncode) },
  ];
  // The pool is read at draw time: it grows with the objects the run creates and shrinks with deletions.
  if (own.length > 0) {
    choices.push({
      weight: 10,
      arbitrary: fc.nat().map((index) => {
        const live = options.pools.idsFor(operation.path, parameter.name);
        return percentEncode(live.length > 0 ? live[index % live.length]! : own[0]!);
      }),
    });
  }
  if (foreignIds.length > 0) {
    choices.push({ weight: 3, arbitrary: fc.constantFrom(...foreignIds).map(percentEncode) });
  }
  return fc.oneof(...choices);
}

function queryArbitrary(operation: Operation, options: SchemaArbitraryOptions): fc.Arbitrary<string> {
  const query = operation.parameters.filter((parameter) => parameter.in === "query");
  const entries = query.map((parameter) =>
    fc.option(
      fc
        .oneof(
          {
            weight: 6,
            arbitrary: schemaArbitrary(parameter.schema ?? {}, { ...options, field: parameter.name }).map(
              formatQueryValue,
            ),
          },
          { weight: 1, arbitrary: anyText.map(percentEncode) },
          { weight: 1, arbitrary: fc.constantFrom(...GARBAGE_SEGMENTS) },
        )
        .map((value) => `${percentEncode(parameter.name)}=${value}`),
      { freq: 2 },
    ),
  );
  const junk = fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "limit=-1",
        "limit=1e9",
        "after=%",
        "a[b]=c",
        "limit=1&limit=2",
        "=",
        "&&",
        "%=%",
        "after=%ff",
      ),
    },
  );
  return fc.tuple(fc.tuple(...entries), junk).map(([values, extra]) => {
    const parts = [...values, extra].filter((part): part is string => part !== null);
    return parts.length ? `?${parts.join("&")}` : "";
  });
}

function formatQueryValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return percentEncode(JSON.stringify(value));
  return percentEncode(String(value));
}

/** End users an API key might name, the tenant's real ones first. */
const USER_NAMES = [
  "alice",
  "bob",
  "mallory",
  "",
  " ",
  "x".repeat(300),
  "\u0000",
  "👩‍👩‍👧",
  "ALICE",
  "alice@example.com",
];

function headerValue(text: string): string {
  // Headers carry Latin-1 only; anything else is what a proxy would have refused before us.
  return [...text]
    .filter((character) => character.charCodeAt(0) >= 0x20 && character.charCodeAt(0) < 0x7f)
    .join("");
}

export interface RequestArbitraryOptions {
  document: OpenApiDocument;
  operations: readonly Operation[];
  roles: readonly Role[];
  pools: IdPools;
  /** another tenant's real ids: what a path parameter aimed across tenants names */
  foreignIds: readonly string[];
  /** how often each operation is drawn relative to the others; default 1 */
  weightOf?: (operation: Operation) => number;
}

/** One request: an operation, a role, path/query/header parameters and a body, valid-ish or hostile. */
export function requestArbitrary(options: RequestArbitraryOptions): fc.Arbitrary<FuzzRequest> {
  const schemaOptions: SchemaArbitraryOptions = { document: options.document, pools: options.pools };
  const perOperation = options.operations.map((operation) => {
    const pathParameters = operation.parameters.filter((parameter) => parameter.in === "path");
    const headerParameters = operation.parameters.filter(
      (parameter) => parameter.in === "header" && parameter.name.toLowerCase() !== "x-dramatis-user",
    );
    const wantsUser = operation.parameters.some(
      (parameter) => parameter.name.toLowerCase() === "x-dramatis-user",
    );
    return fc
      .record({
        role: fc.constantFrom(...options.roles),
        path: fc.tuple(
          ...pathParameters.map((parameter) =>
            pathParameterArbitrary(operation, parameter, schemaOptions, options.foreignIds),
          ),
        ),
        query: queryArbitrary(operation, schemaOptions),
        user: fc.option(
          fc.oneof(
            { weight: 5, arbitrary: fc.constantFrom("alice", "bob") },
            { weight: 1, arbitrary: fc.constantFrom(...USER_NAMES) },
          ),
          { freq: wantsUser ? 8 : 2 },
        ),
        extraHeaders: fc.tuple(
          ...headerParameters.map((parameter) =>
            fc.option(
              anyText.map(headerValue).map((value) => [parameter.name, value] as const),
              { freq: 2 },
            ),
          ),
        ),
        body: bodyArbitrary(operation, schemaOptions),
        bodyOnGet: fc.constant(null),
      })
      .map(({ role, path, query, user, extraHeaders, body }) => {
        let index = 0;
        const url = operation.path.replace(/\{[^}]+\}/g, () => path[index++] ?? "x") + query;
        const headers: Record<string, string> = { ...role.headers(operation.method) };
        if (user !== null) headers["x-dramatis-user"] = headerValue(user);
        for (const header of extraHeaders) if (header) headers[header[0]] = header[1];
        if (body.contentType !== undefined) headers["content-type"] = headerValue(body.contentType);
        const request: FuzzRequest = {
          operation: `${operation.method} ${operation.path}`,
          role: role.name,
          method: operation.method,
          url,
          headers,
          shape: body.shape,
        };
        // GET and HEAD cannot carry a body through the Fetch API; other methods take what was drawn.
        if (body.body !== undefined && operation.method !== "GET" && operation.method !== "HEAD") {
          request.body = body.body;
        }
        return request;
      });
  });
  return fc.oneof(
    ...perOperation.map((arbitrary, index) => ({
      arbitrary,
      weight: options.weightOf?.(options.operations[index]!) ?? 1,
    })),
  );
}

/** A short, printable account of a request: enough to replay it by hand. */
export function describeRequest(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? "(none)"
      : typeof request.body === "string"
        ? JSON.stringify(
            request.body.length > 600
              ? `${request.body.slice(0, 600)}… (${request.body.length} chars)`
              : request.body,
          )
        : `bytes ${Buffer.from(request.body.subarray(0, 200)).toString("hex")}${request.body.length > 200 ? "…" : ""} (${request.body.length})`;
  const url =
    request.url.length > 400 ? `${request.url.slice(0, 400)}… (${request.url.length} chars)` : request.url;
  return [
    `${request.method} ${url}`,
    `  operation: ${request.operation}; role: ${request.role}; body shape: ${request.shape}`,
    `  headers: ${JSON.stringify(request.headers)}`,
    `  body: ${body}`,
  ].join("\n");
}
