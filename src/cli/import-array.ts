import { StringDecoder } from 'node:string_decoder';
import Assembler from 'stream-json/assembler.js';
import { jsonParser, type Token } from 'stream-json/parser.js';
import type { ImportRecord } from '../engine/index.js';
import { Described, InvalidInput } from '../errors.js';
import { checkUtf8Chunk, describeUtf8Error, fieldOf, maxJsonNesting } from '../events/index.js';

/** A record of a JSON array larger than this is refused, as a longer NDJSON line is. */
export const maxRecordBytes = 1024 * 1024;
/** The tokenizer is fed at most this much at a time, and never across the end of a record. */
const sliceBytes = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/**
 * The array's structure, followed byte by byte ahead of the tokenizer (bytes of multi-byte UTF-8 characters are
 * never ASCII, so never taken for quotes or brackets): it cuts the input at the commas between records, so a
 * refusal names the record it is in, and finds nesting past the limit before the tokenizer does.
 */
class Structure {
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Scans `bytes[from, to)`; stops just past a comma between records, or at a bracket opening one level too many. */
  scan(bytes: Buffer, from: number, to: number): { readonly end: number; readonly stop: 'record' | 'deep' | null } {
    for (let i = from; i < to; i += 1) {
      const b = bytes[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
      } else if (b === QUOTE) this.inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (this.depth === maxJsonNesting) return { end: i, stop: 'deep' };
        this.depth += 1;
      } else if (b === 0x5d || b === 0x7d) this.depth -= 1;
      else if (b === COMMA && this.depth === 1) return { end: i + 1, stop: 'record' };
    }
    return { end: to, stop: null };
  }
}

/**
 * The records of a JSON array from a file's chunks, with stream-json's tokenizer and assembler: each record is
 * handed on as soon as it is complete and dropped from the array, so memory stays bounded whatever the file's size.
 * The bytes are checked as UTF-8 before the tokenizer sees them (it would decode ill-formed ones to U+FFFD); `base`
 * is the file offset of the first chunk.
 */
export function* arrayRecords(chunks: Iterable<Buffer>, base: number): Generator<ImportRecord> {
  // Only packed tokens (whole keys, strings, numbers): the assembler needs no others. maxPackedLength bounds a
  // single string held between slices; maxDepth is a backstop (Structure refuses deep nesting first).
  const parse = jsonParser({ streamValues: false, maxDepth: maxJsonNesting + 1, maxPackedLength: maxRecordBytes }) as (text: string) => unknown;
  const assembler = new Assembler();
  const decoder = new StringDecoder('utf8');
  const structure = new Structure();
  let index = 0;
  let offset = base; // of the next byte the tokenizer is given
  let recordBytes = 0; // since the comma that ended the last record
  let started = false;

  /** Where the tokenizer is: `records[3].asset_id`. The array's own index is `index` (the array is kept empty). */
  const field = (): string => {
    if (assembler.depth < 2) return `records[${index}]`;
    const current = assembler.current as unknown;
    const at = Array.isArray(current) ? current.length : assembler.key;
    const inner = fieldOf([...assembler.path.slice(1), ...(at === null ? [] : [at])]);
    return `records[${index}]${inner === '' || inner.startsWith('[') ? '' : '.'}${inner}`;
  };
  const refuse = (value: unknown, expected: string) => new InvalidInput(field(), value, expected);

  function* tokenize(slice: Buffer): Generator<ImportRecord> {
    let tokens: readonly Token[];
    try {
      const result = parse(decoder.write(slice));
      // stream-chain's protocol: a stage returns many(values) (an object holding them) or the `none` symbol.
      tokens = typeof result === 'object' && result !== null && 'values' in result ? (result.values as Token[]) : [];
    } catch (error) {
      const near = new Described(`bytes ${offset}-${offset + slice.length - 1}`);
      if (error instanceof RangeError) throw refuse(near, `a record of at most ${maxRecordBytes} bytes`);
      throw refuse(near, `a JSON array of records (${error instanceof Error ? error.message : 'unparsable'})`);
    }
    for (const token of tokens) {
      started = true; // the caller saw '[' first
      assembler.consume(token);
      const array = assembler.current as unknown[];
      if (assembler.depth === 1 && array.length > 0) {
        yield { where: `records[${index}]`, value: array.pop() };
        index += 1;
      }
    }
  }

  function* feed(bytes: Buffer): Generator<ImportRecord> {
    for (let i = 0; i < bytes.length; ) {
      const { end, stop } = structure.scan(bytes, i, Math.min(bytes.length, i + sliceBytes));
      yield* tokenize(bytes.subarray(i, end));
      offset += end - i;
      recordBytes += end - i;
      if (stop === 'deep')
        throw new InvalidInput(`records[${index}]`, new Described(`a bracket at offset ${offset}`), `JSON nested at most ${maxJsonNesting} levels deep`);
      if (stop === 'record') recordBytes = 0;
      else if (recordBytes > maxRecordBytes)
        throw refuse(new Described(`still open at offset ${offset}`), `a record of at most ${maxRecordBytes} bytes`);
      i = end;
    }
  }

  let held = Buffer.alloc(0); // the start of a UTF-8 sequence the next chunk completes
  for (const chunk of chunks) {
    const bytes = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    const { invalidAt, complete } = checkUtf8Chunk(bytes);
    if (invalidAt >= 0) {
      const at = offset; // of bytes[0]
      yield* feed(bytes.subarray(0, invalidAt)); // up to the bad bytes, so the message names the record and field
      throw refuse(new Described(describeUtf8Error(bytes, invalidAt, at)), 'UTF-8 text');
    }
    yield* feed(bytes.subarray(0, complete));
    held = Buffer.from(bytes.subarray(complete));
  }
  if (held.length > 0) throw refuse(new Described(describeUtf8Error(held, 0, offset)), 'UTF-8 text');
  if (!(started && assembler.done)) throw refuse(new Described('the end of the file'), 'the rest of the JSON array (it is cut short)');
}
