import { createHash, type KeyObject } from 'node:crypto';
import { canonicalJson, instantOf, type DomainEvent, type Json } from '../events/index.js';
import type { OriginRights } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import type { StateEngine } from '../engine/index.js';
import { appendRecords } from '../engine/replication.js';
import type { BatchSecurity } from './batch.js';
import { openCredential, openRevocation, publicKeyOf, type Credential, type Revocation } from './credential.js';
import { isObjectFault, type HubStorage } from './hub/index.js';
import { maxTrustObjectBytes, parseBoundedJson, type SyncLimits } from './limits.js';
import { ownOrigin } from './origin.js';
import { trustRecords, trustStreamName } from './state.js';
import { decodeTrustDocument, defaultMaxClockSkewSeconds, limitsOf, publicKeyFrom, type TrustDocument } from './trust-document.js';

/** What this replica trusts one origin to say, and with which key. */
export interface OriginTrust {
  readonly origin: string;
  /** null: batches need no signature (single-team mode). */
  readonly publicKey: KeyObject | null;
  readonly rights: OriginRights;
  readonly central: boolean;
  /** Events recorded before this instant are refused (a credential's not_before). */
  readonly notBefore: string | null;
  /** Revoked: batches ending after this position of the origin are refused. null: not revoked. */
  readonly keepThrough: number | null;
  readonly source: 'configuration' | 'trusted keys' | 'credential';
  readonly serial: string | null;
}

/** The replica's trust, resolved for one sync round. */
export interface TrustPolicy {
  /** open: no trust configuration (single-team); configured: only the origins listed or credentialed. */
  readonly mode: 'open' | 'configured';
  readonly origins: ReadonlyMap<string, OriginTrust>;
  readonly central: string | null;
  readonly maxClockSkewMs: number;
  readonly limits: SyncLimits;
  /** Set: every batch must be sealed with it, pushed and pulled. */
  readonly encryptionKey: Buffer | null;
  readonly signingKey: KeyObject | null;
  /** Problems with trust material that did not stop the round (a bad credential object on the hub). */
  readonly warnings: readonly string[];
}

export const everything: OriginRights = { report: ['*'], decide: ['*'] };

/** Where organisation-signed credentials and revocations are published on a hub: a folder no origin's name encodes to. */
export const trustFolder = '+trust/';
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
export const credentialKey = (c: Credential): string => `${trustFolder}credentials/${digest(c.origin)}-${c.serial}.json`;
export const revocationKey = (r: Revocation): string =>
  `${trustFolder}revocations/${digest(r.origin)}-${digest(canonicalJson(r as unknown as Json))}.json`;

/** The stored trust document, or the empty one (single-team mode). */
export const storedTrustDocument = async (engine: StateEngine): Promise<TrustDocument> => {
  const { document } = await trustRecords(engine.backend.log);
  return document === null ? {} : decodeTrustDocument(document, 'stored trust configuration');
};

/** Records a new trust document (after checking it whole); the next sync round applies it. */
export const setTrustDocument = async (engine: StateEngine, value: unknown, now: number): Promise<TrustDocument> => {
  const doc = decodeTrustDocument(value);
  const kept = { ...doc };
  // Credentials and revocations handed over in the file are checked now, so a bad one is refused before it is kept.
  const keys = (doc.organisation_keys ?? []).map((pem, i) => publicKeyFrom(pem, `trust.organisation_keys[${i}]`));
  (doc.credentials ?? []).forEach((c, i) => openCredential(c, keys, `trust.credentials[${i}]`));
  (doc.revocations ?? []).forEach((r, i) => openRevocation(r, keys, `trust.revocations[${i}]`));
  await appendRecords(engine, [{ stream: trustStreamName, events: [{ type: 'SyncTrustSet', data: { document: kept as Json, at: instantOf(now) } } as DomainEvent] }]);
  return doc;
};

const readTrustObject = async (hub: HubStorage, key: string): Promise<unknown> => {
  const object = await hub.read(key, { maxBytes: maxTrustObjectBytes });
  if (object === null) return null;
  return parseBoundedJson(object.body.toString('utf8'), 16, key);
};

/**
 * Resolves what this replica trusts for one round: its stored document, the legacy trusted-keys file of this run,
 * and organisation-signed credentials and revocations (from the document, recorded earlier, or published on the
 * hub). New valid credentials and revocations are recorded in the log, so a hub that later loses them changes
 * nothing; what they resolve to is recorded when it changes, and read models fold replicated findings under it.
 */
export const resolveTrust = async (
  engine: StateEngine,
  hub: HubStorage | null,
  security: BatchSecurity,
  now: number,
  /** false: only look (sync status); nothing new is recorded. */
  record = true,
): Promise<TrustPolicy> => {
  const records = await trustRecords(engine.backend.log);
  const doc = records.document === null ? {} : decodeTrustDocument(records.document, 'stored trust configuration');
  const warnings: string[] = [];
  const organisationKeys = (doc.organisation_keys ?? []).map((pem, i) => publicKeyFrom(pem, `trust.organisation_keys[${i}]`));
  const recorded = new Set(records.credentials.map((c) => c.serial));
  const recordedRevocations = new Set(records.revocations.map((r) => r.key));
  const credentials = new Map<string, Credential>();
  const revocations: Revocation[] = [];
  const fresh: DomainEvent[] = [];
  const at = instantOf(now);
  const addCredential = (value: unknown, where: string, quiet: boolean) => {
    try {
      const { credential } = openCredential(value, organisationKeys, where);
      credentials.set(credential.serial, credential);
      if (!recorded.has(credential.serial)) {
        recorded.add(credential.serial);
        fresh.push({ type: 'SyncCredentialRecorded', data: { origin: credential.origin, serial: credential.serial, document: value as Record<string, Json>, at } });
      }
    } catch (error) {
      if (!(error instanceof InvalidInput) || quiet) throw error;
      warnings.push(`ignored ${where}: ${error.message}`);
    }
  };
  const addRevocation = (value: unknown, where: string, quiet: boolean) => {
    try {
      const { revocation: r } = openRevocation(value, organisationKeys, where);
      revocations.push(r);
      const key = `${r.origin}\u0000${r.serial ?? ''}\u0000${r.keep_through}`;
      if (!recordedRevocations.has(key)) {
        recordedRevocations.add(key);
        fresh.push({ type: 'SyncRevocationRecorded', data: { origin: r.origin, serial: r.serial, keepThrough: r.keep_through, document: value as Record<string, Json>, at } });
      }
    } catch (error) {
      if (!(error instanceof InvalidInput) || quiet) throw error;
      warnings.push(`ignored ${where}: ${error.message}`);
    }
  };
  if (organisationKeys.length > 0) {
    records.credentials.forEach((c) => addCredential(c.document, `recorded credential ${c.serial}`, false));
    records.revocations.forEach((r, i) => addRevocation(r.document, `recorded revocation ${i}`, false));
    (doc.credentials ?? []).forEach((c, i) => addCredential(c, `trust.credentials[${i}]`, false));
    (doc.revocations ?? []).forEach((r, i) => addRevocation(r, `trust.revocations[${i}]`, false));
    if (hub !== null) {
      for await (const key of hub.list(trustFolder)) {
        const isCredential = key.startsWith(`${trustFolder}credentials/`);
        if (isCredential && [...recorded].some((serial) => key.endsWith(`-${serial}.json`))) continue;
        try {
          const value = await readTrustObject(hub, key);
          if (value === null) continue;
          if (isCredential) addCredential(value, `hub object ${key}`, false);
          else if (key.startsWith(`${trustFolder}revocations/`)) addRevocation(value, `hub object ${key}`, false);
        } catch (error) {
          // A hub is untrusted: a bad object in the trust folder is reported and skipped, never fatal.
          if (!(error instanceof InvalidInput) && !isObjectFault(error)) throw error;
          warnings.push(`ignored hub object ${key}: ${(error as Error).message}`);
        }
      }
    }
  }
  if (fresh.length > 0 && record) await appendRecords(engine, [{ stream: trustStreamName, events: fresh }]);

  const origins = new Map<string, OriginTrust>();
  for (const [origin, entry] of Object.entries(doc.origins ?? {})) {
    const explicit = typeof entry === 'string' ? { public_key: entry } : entry;
    origins.set(origin, {
      origin,
      publicKey: publicKeyFrom(explicit.public_key, `trust.origins.${origin}`),
      rights: typeof entry === 'string' ? everything : { report: explicit.report ?? [], decide: explicit.decide ?? [] },
      central: typeof entry === 'string' ? false : (explicit.central ?? false),
      notBefore: null,
      keepThrough: null,
      source: 'configuration',
      serial: null,
    });
  }
  for (const [origin, key] of security.trusted ?? new Map<string, KeyObject>())
    origins.set(origin, { origin, publicKey: key, rights: everything, central: false, notBefore: null, keepThrough: null, source: 'trusted keys', serial: null });
  for (const [origin, trust] of credentialed(credentials, revocations, now)) if (!origins.has(origin)) origins.set(origin, trust);

  const configured = organisationKeys.length > 0 || origins.size > 0;
  const centrals = [...origins.values()].filter((o) => o.central).map((o) => o.origin).sort();
  if (doc.central === undefined && centrals.length > 1)
    warnings.push(`several origins hold the central right (${centrals.join(', ')}): none is central until the configuration names one`);
  const own = await ownOrigin(engine);
  const central =
    doc.central ?? (centrals.length === 1 ? (centrals[0] ?? null) : centrals.length > 1 ? null : own?.central ? own.origin : null);
  const policy: TrustPolicy = {
    mode: configured ? 'configured' : 'open',
    origins,
    central,
    maxClockSkewMs: (doc.max_clock_skew_seconds ?? defaultMaxClockSkewSeconds) * 1000,
    limits: limitsOf(doc),
    encryptionKey: security.encryptionKey,
    signingKey: security.signingKey,
    warnings,
  };
  if (record) await recordAuthority(engine, policy, records.authority, now);
  return policy;
};

/**
 * Per origin, the credential that holds now: the newest valid one not revoked; failing that, the newest revoked
 * one (so its batches up to the revocation's position stay acceptable).
 */
const credentialed = (credentials: ReadonlyMap<string, Credential>, revocations: readonly Revocation[], now: number): Map<string, OriginTrust> => {
  const at = instantOf(now);
  const byOrigin = new Map<string, OriginTrust>();
  const order = (c: Credential) => `${c.issued_at} ${c.serial}`;
  const sorted = [...credentials.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  for (const c of sorted) {
    if (c.not_before > at || (c.expires !== null && c.expires <= at)) continue;
    const revoked = revocations.filter((r) => r.origin === c.origin && (r.serial === c.serial || (r.serial === null && c.issued_at <= r.revoked_at)));
    const keepThrough = revoked.length === 0 ? null : Math.min(...revoked.map((r) => r.keep_through));
    const trust: OriginTrust = {
      origin: c.origin,
      publicKey: publicKeyOf(c),
      rights: { report: c.report, decide: c.decide },
      central: c.central && keepThrough === null,
      notBefore: c.not_before,
      keepThrough,
      source: 'credential',
      serial: c.serial,
    };
    const held = byOrigin.get(c.origin);
    // An unrevoked credential beats a revoked one; among equals the newest wins (sorted by issue time).
    if (held === undefined || keepThrough === null || held.keepThrough !== null) byOrigin.set(c.origin, trust);
  }
  return byOrigin;
};

/** The authority table read models fold under: what the policy says each origin may report and decide. */
export const authorityOf = (policy: TrustPolicy): Json => ({
  mode: policy.mode,
  central: policy.central,
  origins: Object.fromEntries(
    [...policy.origins.values()]
      .sort((a, b) => (a.origin < b.origin ? -1 : 1))
      .map((o) => [o.origin, { report: [...o.rights.report], decide: [...o.rights.decide] }]),
  ),
});

const recordAuthority = async (engine: StateEngine, policy: TrustPolicy, last: Json | null, now: number): Promise<void> => {
  const current = authorityOf(policy);
  if (last !== null && canonicalJson(last) === canonicalJson(current)) return;
  if (last === null && policy.mode === 'open' && policy.central === null) return; // nothing to say yet
  const { mode, central, origins } = current as unknown as { mode: 'open' | 'configured'; central: string | null; origins: Record<string, OriginRights> };
  await appendRecords(engine, [
    {
      stream: trustStreamName,
      events: [{ type: 'SyncAuthorityRecorded', data: { mode, central, origins: origins as never, at: instantOf(now) } }],
    },
  ]);
};
