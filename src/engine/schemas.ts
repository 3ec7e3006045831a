import { createHash } from 'node:crypto';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { InvalidInput } from '../errors.js';
import { canonicalJson, type JsonRecord } from '../events/index.js';

/** The largest schema accepted (its canonical JSON), so a schema event stays an event. */
export const maxSchemaBytes = 64 * 1024;

// A few formats without a dependency; any other `format` is refused when the schema is set (strictSchema), rather
// than silently passing every value.
const formats = {
  'date-time': (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)),
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && URL.canParse(s),
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
};

export const schemaSha256 = (schema: JsonRecord): string => createHash('sha256').update(canonicalJson(schema)).digest('hex');

const compiled = new Map<string, ValidateFunction>();

/**
 * The validator of a schema, compiled once per process per schema (by its SHA-256: a version's schema never changes).
 * Each compile gets its own Ajv instance, so two versions naming the same `$id` never clash. Throws InvalidInput
 * naming what is wrong with a schema that does not compile. Ajv is loaded on the first schema only: a command that
 * meets none (`finding track` in a scanner's loop) never pays for it.
 */
export const validatorOf = async (schema: JsonRecord, sha256 = schemaSha256(schema)): Promise<ValidateFunction> => {
  const cached = compiled.get(sha256);
  if (cached !== undefined) return cached;
  // A CommonJS package: Node's loader finds its named export, a bundle's interop may offer only `default`.
  const loaded = (await import('ajv')) as unknown as { Ajv?: typeof AjvClass; default?: typeof AjvClass & { Ajv?: typeof AjvClass } };
  const Ajv = loaded.Ajv ?? loaded.default?.Ajv ?? (loaded.default as typeof AjvClass);
  const size = Buffer.byteLength(canonicalJson(schema));
  if (size > maxSchemaBytes) throw new InvalidInput('schema', `${size} bytes`, `a JSON Schema of at most ${maxSchemaBytes} bytes`);
  const ajv = new Ajv({
    allErrors: false,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateSchema: true,
    logger: false,
    formats,
  });
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new InvalidInput('schema', schema, `a JSON Schema ajv compiles (${(error as Error).message})`);
  }
  if (compiled.size >= 256) compiled.clear();
  compiled.set(sha256, validate);
  return validate;
};

const valueAt = (data: unknown, pointer: string): unknown => {
  let value = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
};

/** `/owner/email` -> `data.owner.email`, `/tags/2` -> `data.tags[2]`. */
const fieldOf = (pointer: string, extra?: string): string =>
  ['data', ...pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')), ...(extra === undefined ? [] : [extra])]
    .join('.')
    .replace(/\.(\d+)(?=\.|$)/g, '[$1]');

/** The first failure of a schema check, as the InvalidInput every face reports: field, value, what was expected. */
export const schemaFailure = (error: ErrorObject, data: unknown, type: string, version: number): InvalidInput => {
  const missing = error.keyword === 'required' ? String((error.params as { missingProperty?: string }).missingProperty) : undefined;
  const extra = error.keyword === 'additionalProperties' ? String((error.params as { additionalProperty?: string }).additionalProperty) : undefined;
  const field = fieldOf(error.instancePath, missing ?? extra);
  const value = missing !== undefined ? undefined : valueAt(data, extra === undefined ? error.instancePath : `${error.instancePath}/${extra}`);
  return new InvalidInput(field, value, `${error.message ?? error.keyword} (${type} schema v${version})`);
};
