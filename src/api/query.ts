import * as t from 'io-ts';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow, IntFromString, optional } from '../events/index.js';

type Props = t.Props;

/**
 * Decodes a query string with a codec of optional string fields. Under `exact` (v1) a repeated parameter is
 * refused (which one would win is a guess) and so is one the route does not know: `?lifecyle=new` silently
 * listing every finding is the bug this prevents. Otherwise, as the original's parse_qs did, unknown ones are
 * ignored, the first of a repeat wins and a blank value counts as absent. `ignore` names parameters handled
 * elsewhere (min_position).
 */
export const decodeQuery = <P extends Props>(
  codec: t.ExactC<t.TypeC<P>>,
  query: URLSearchParams,
  options: { exact?: boolean; ignore?: readonly string[] } = {},
): t.TypeOf<t.ExactC<t.TypeC<P>>> => {
  const known = codec.type.props;
  const exact = options.exact === true;
  const values: Record<string, string> = {};
  for (const key of new Set(query.keys())) {
    if (options.ignore?.includes(key)) continue;
    const all = query.getAll(key);
    if (!Object.hasOwn(known, key)) {
      if (exact) throw new InvalidInput(key, all[0], `a known parameter (${Object.keys(known).join(', ') || 'none'})`);
      continue;
    }
    if (exact && all.length > 1) throw new InvalidInput(key, all, 'a single value');
    const first = all[0] ?? '';
    if (exact || first !== '') values[key] = first;
  }
  return decodeOrThrow(codec, values);
};

/** Refuses body fields the codec does not know: a misspelt `untill` must not suppress a finding forever. */
export const decodeBody = <P extends Props>(
  codec: t.ExactC<t.TypeC<P>>,
  body: unknown,
  where = '',
): t.TypeOf<t.ExactC<t.TypeC<P>>> => {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidInput(where || 'body', body, 'a JSON object');
  const known = codec.type.props;
  for (const key of Object.keys(body))
    if (!Object.hasOwn(known, key))
      throw new InvalidInput(
        where ? `${where}.${key}` : key,
        (body as Record<string, unknown>)[key],
        `a known field (${Object.keys(known).join(', ')})`,
      );
  return decodeOrThrow(codec, body, where);
};
