import * as assert from 'uvu/assert';

/** Awaits `action` and returns what it threw, failing the test when it does not throw the given class. */
export const raises = async <E extends Error>(
  action: () => unknown,
  kind: abstract new (...args: never[]) => E,
): Promise<E> => {
  try {
    await action();
  } catch (error) {
    if (error instanceof kind) return error;
    assert.unreachable(`expected ${kind.name}, got ${String(error)}`);
  }
  return assert.unreachable(`expected ${kind.name}, nothing was thrown`) as never;
};
