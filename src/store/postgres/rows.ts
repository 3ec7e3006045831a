import pg from 'pg';

export const eventColumns = 'position, id, stream, origin, revision, type, schema, data, meta, checksum';

const int8 = 20;
const json = 114;
/**
 * This store's type parsers, set per pool rather than on the driver's global registry: bigint positions and revisions
 * as numbers (they stay below 2^53), and json as its text, which the checksum covers and which readers parse once.
 */
export const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === int8) return (text: string) => Number(text);
    if (oid === json) return (text: string) => text;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};
