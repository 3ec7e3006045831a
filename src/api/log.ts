import { redactTokens } from '../errors.js';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** One line per notable event. Callers never pass a token: fields name things, never secrets. */
export type Logger = (level: LogLevel, what: string, fields?: LogFields) => void;

const plain = (v: string | number | boolean | null): string => {
  const text = String(v);
  return text === '' || /[\s"=]/.test(text) ? JSON.stringify(text) : text;
};

/** `<instant> <level> <what> key=value...` (values with blanks, quotes or `=` are JSON-quoted), or NDJSON. */
export const createLogger = (
  options: { json?: boolean; write?: (line: string) => void; clock?: () => number } = {},
): Logger => {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const clock = options.clock ?? Date.now;
  return (level, what, fields = {}) => {
    const at = new Date(clock()).toISOString();
    // Fields name things, never secrets; a name or path a client sent may still be a pasted token: masked here.
    const present = Object.entries(fields)
      .filter((e): e is [string, string | number | boolean | null] => e[1] !== undefined)
      .map(([k, v]): [string, string | number | boolean | null] => [k, typeof v === 'string' ? redactTokens(v) : v]);
    write(
      options.json === true
        ? `${JSON.stringify({ at, level, what, ...Object.fromEntries(present) })}\n`
        : `${[at, level, what, ...present.map(([k, v]) => `${k}=${plain(v)}`)].join(' ')}\n`,
    );
  };
};

/** For tests and embedders that want silence. */
export const silentLogger: Logger = () => undefined;
