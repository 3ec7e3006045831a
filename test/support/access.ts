import type { Role } from '../../src/events/index.js';
import type { StateEngine } from '../../src/engine/index.js';

/** Makes a token through the engine (as `token create` does) and returns its secret. */
export const mint = async (
  engine: StateEngine,
  name: string,
  role: Role,
  options: { scopes?: string[]; service?: boolean; expiresAt?: string } = {},
): Promise<string> => {
  const created = await engine.access.createToken({
    name,
    role,
    kind: options.service === true ? 'service' : 'person',
    scopes: options.scopes,
    expiresAt: options.expiresAt as never,
  });
  return created.token;
};
