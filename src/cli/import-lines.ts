import type { ImportRecord } from '../engine/index.js';
import { Described, InvalidInput } from '../errors.js';
import { jsonTextOf } from '../events/index.js';

/** A line longer than this is refused: a file without newlines must not be gathered into memory whole. */
export const maxLineBytes = 1024 * 1024;

const snippet = (text: string): string => (text.length > 60 ? `${text.slice(0, 57)}...` : text);

/** One line (without its `\n`) as a record, or null when it is blank; `offset` is where it starts in the file. */
const recordOf = (bytes: Buffer, line: number, offset: number): ImportRecord | null => {
  const where = `line ${line}`;
  const content = bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes; // CRLF files
  const text = jsonTextOf(content, where, offset);
  if (text.trim() === '') return null;
  try {
    return { where, value: JSON.parse(text) as unknown };
  } catch {
    throw new InvalidInput(where, snippet(text), 'a JSON object');
  }
};

const tooLong = (line: number, offset: number) =>
  new InvalidInput(`line ${line}`, new Described(`the line starting at offset ${offset}`), `a line of at most ${maxLineBytes} bytes`);

/**
 * NDJSON records from a file's chunks, one line at a time: only the line being read is held, so memory stays bounded
 * whatever the file's size. `base` is the file offset of the first chunk (3 after a byte-order mark).
 */
export function* lineRecords(chunks: Iterable<Buffer>, base: number): Generator<ImportRecord> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let line = 0;
  let offset = base;
  for (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end >= 0; end = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, end);
      line += 1;
      if (heldBytes + piece.length > maxLineBytes) throw tooLong(line, offset);
      const bytes = heldBytes === 0 ? piece : Buffer.concat([...held, piece]);
      held = [];
      heldBytes = 0;
      const record = recordOf(bytes, line, offset);
      if (record !== null) yield record;
      offset += bytes.length + 1;
      start = end + 1;
    }
    const rest = chunk.subarray(start);
    if (heldBytes + rest.length > maxLineBytes) throw tooLong(line + 1, offset);
    held.push(Buffer.from(rest)); // a copy: the chunk's buffer is read into again
    heldBytes += rest.length;
  }
  if (heldBytes > 0) {
    const record = recordOf(Buffer.concat(held), line + 1, offset);
    if (record !== null) yield record;
  }
}
