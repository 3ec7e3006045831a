import type { HubStorage } from './hub/index.js';
import { epochOf, originOfFolder, originPrefix, parseBatchKey, type BatchName } from './naming.js';

const pad = (n: number) => String(n).padStart(16, '0');

/** The origins with a folder on the hub. */
export const originsOn = async (hub: HubStorage): Promise<string[]> => {
  const found: string[] = [];
  for await (const folder of hub.folders('')) {
    const origin = originOfFolder(folder);
    if (origin !== null) found.push(origin);
  }
  return found;
};

/**
 * The origin's batches that start after `position`, in order. Once an origin's chained batches are being pulled,
 * only the epoch folders from the one holding `position + 1` on are listed, so a pull costs what is new, not the
 * origin's whole history; the first contact lists the origin's folder whole (it may hold first-format batches).
 */
export const batchesAfter = async (hub: HubStorage, origin: string, position: number, chained: boolean): Promise<BatchName[]> => {
  const names: BatchName[] = [];
  const take = (key: string) => {
    const name = parseBatchKey(key);
    if (name !== null && name.origin === origin && name.first > position) names.push(name);
  };
  const prefix = originPrefix(origin);
  if (chained) {
    const from = `${prefix}${epochOf(position + 1)}/`;
    for await (const folder of hub.folders(prefix)) {
      if (folder < from) continue;
      for await (const key of hub.list(folder, { startAfter: `${folder}${pad(position)}~` })) take(key);
    }
  } else for await (const key of hub.list(prefix)) take(key);
  return names.sort((a, b) => a.first - b.first || a.last - b.last);
};

