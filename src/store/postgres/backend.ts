// Placeholder until the PostgreSQL backend lands on this branch (being built beside it): opening one is refused.
import { InvalidInput } from '../../errors.js';
import type { Backend, BackendOptions, EventLog } from '../../ports/backend.js';

export const openPostgresBackend = async (url: string, _options: Partial<BackendOptions>): Promise<Backend> => {
  throw new InvalidInput('store', url.replace(/\/\/[^@/]*@/, '//…@'), 'sqlite:<path> (the PostgreSQL backend is not in this build)');
};

export const openPostgresLog = async (url: string, _options: object): Promise<EventLog & { describe(): string; close(): Promise<void> }> => {
  throw new InvalidInput('store', url.replace(/\/\/[^@/]*@/, '//…@'), 'sqlite:<path> (the PostgreSQL backend is not in this build)');
};
