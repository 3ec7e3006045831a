import { readFileSync } from 'node:fs';
import { FindingRecordInput, type TrackFindingInput } from '../engine/index.js';
import { decodeOrThrow } from '../events/index.js';
import { InvalidInput } from '../errors.js';

/**
 * Reads an import file (a path, or `-` for stdin): a JSON array of `{finding_id, asset_id, rule_id}` or NDJSON,
 * one object a line. Every record is checked before anything is written; the first bad one is named by its line
 * (NDJSON) or index (array) and field. A finding listed twice is refused too: one scan sees a finding once.
 */
export const readFindingsFile = (path: string): TrackFindingInput[] => {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new InvalidInput('file', path, `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const trimmed = text.trimStart();
  const items: { where: string; value: unknown }[] = [];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InvalidInput('file', path, `a JSON array or NDJSON (${(error as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new InvalidInput('file', path, 'a JSON array or NDJSON');
    parsed.forEach((value, i) => items.push({ where: `records[${i}]`, value }));
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `line ${i + 1}`;
      try {
        items.push({ where, value: JSON.parse(line) });
      } catch {
        throw new InvalidInput(where, line.length > 60 ? `${line.slice(0, 57)}...` : line, 'a JSON object');
      }
    });
  }
  const seen = new Map<string, string>();
  return items.map(({ where, value }) => {
    const r = decodeOrThrow(FindingRecordInput, value, where);
    const first = seen.get(r.finding_id);
    if (first !== undefined) throw new InvalidInput(`${where}.finding_id`, r.finding_id, `a finding listed once (also at ${first})`);
    seen.set(r.finding_id, where);
    return { findingId: r.finding_id, assetId: r.asset_id, ruleId: r.rule_id, collector: r.collector };
  });
};
