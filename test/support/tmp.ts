import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory; remove it with `removeDir` in the suite's `after`. */
export const makeTempDir = (label = 'stance-state-test'): string => mkdtempSync(join(tmpdir(), `${label}-`));
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });
