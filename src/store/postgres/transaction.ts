import type pg from 'pg';

/**
 * Runs `work` in a transaction on a client of its own from the pool: BEGIN (with `begin`, statements to run right
 * after it, such as taking a lock), COMMIT when it returns, ROLLBACK when it throws; the client goes back either way.
 */
export const inTransaction = async <T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = ''): Promise<T> => {
  const client = await pool.connect();
  try {
    await client.query(begin === '' ? 'BEGIN' : `BEGIN; ${begin}`);
    try {
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
};
