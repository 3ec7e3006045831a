import type pg from 'pg';
import type { Dialect } from '../sql/dialect.js';

/**
 * The backend's own tables beside the log, created if missing (by the caller, under the DDL lock): where each
 * projection stands, and the settings every process of the deployment shares.
 */
const stateDdl = (dialect: Dialect): string => {
  const text = dialect.type('text');
  return `
CREATE TABLE IF NOT EXISTS ${dialect.table('projection_state')} (name ${text} PRIMARY KEY, version integer NOT NULL,
  position bigint NOT NULL, generation integer NOT NULL);
CREATE TABLE IF NOT EXISTS ${dialect.table('settings')} (key ${text} PRIMARY KEY, value text NOT NULL);`;
};

/**
 * The access audit is append-only, as the log is: refused writes are evidence, and nobody edits evidence (a trigger
 * refuses UPDATE, DELETE and TRUNCATE). Its triggers are made with the table only: recreating dropped ones on the
 * next open would hide that someone dropped them.
 */
const auditDdl = (dialect: Dialect): string => {
  const t = (name: string) => dialect.table(name);
  return `
CREATE TABLE ${t('access_audit')} (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at ${dialect.type('text')} NOT NULL,
  method text NOT NULL, route text NOT NULL, status integer NOT NULL, reason text NOT NULL, actor text, role text,
  token_id text, via text, remote text);
CREATE INDEX access_audit_by_time ON ${t('access_audit')} (at);
CREATE OR REPLACE FUNCTION ${t('refuse_audit_change')}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the access audit is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER access_audit_no_update_or_delete BEFORE UPDATE OR DELETE ON ${t('access_audit')}
  FOR EACH ROW EXECUTE FUNCTION ${t('refuse_audit_change')}();
CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON ${t('access_audit')}
  FOR EACH STATEMENT EXECUTE FUNCTION ${t('refuse_audit_change')}();`;
};

/** Creates the backend's tables that are missing; inside the caller's transaction. */
export const ensureBackendTables = async (client: pg.ClientBase, dialect: Dialect): Promise<void> => {
  await client.query(stateDdl(dialect));
  const audit = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [dialect.table('access_audit')]);
  if (audit.rows[0]?.t == null) await client.query(auditDdl(dialect));
};
