import type { Backend } from '../ports/backend.js';
import { StateEngine, type EngineOptions } from './engine.js';

/** The engine over an opened backend (the composition root, src/open.ts, opens backends by URL). */
export const engineOver = (backend: Backend, options: Omit<EngineOptions, 'backend'> = {}): StateEngine =>
  new StateEngine({ backend, ...options });
