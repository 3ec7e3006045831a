import { chmodSync, openSync, readSync, closeSync, fstatSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import * as t from 'io-ts';
import { decodeOrThrow, Id, Instant, instantOf, Text } from '../events/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import {
  generateSigningKeys,
  issueCredential,
  issueRevocation,
  loadPrivateKey,
  maxTrustObjectBytes,
  openHub,
  parseBoundedJson,
  publishCredential,
  revocationKey,
  setTrustDocument,
  storedTrustDocument,
  type SignedCredential,
} from '../sync/index.js';
import { IntFromString, optional } from './args.js';
import { ensureDirectory, out, printJson, type CliContext } from './context.js';

/** A small JSON file from outside (trust configuration, credential): bounded in size and depth, never trusted. */
export const readJsonFile = (path: string, field: string): unknown => {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new InvalidInput(field, path, `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxTrustObjectBytes) throw new InvalidInput(field, `${path} (${size} bytes)`, `a file of at most ${maxTrustObjectBytes} bytes`);
    const buffer = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buffer, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, done)).replace(/^\uFEFF/, '');
    } catch {
      throw new InvalidInput(field, path, 'a UTF-8 JSON file');
    }
    return parseBoundedJson(text, 32, field);
  } finally {
    closeSync(fd);
  }
};

/** A credential file as `sync credential issue` writes it; its signature is checked by the replicas that read it. */
export const readCredentialFile = (path: string, field: string): SignedCredential => {
  const value = readJsonFile(path, field) as { credential?: unknown; signature?: unknown } | null;
  const credential = (value as { credential?: { format?: unknown } } | null)?.credential;
  if (credential?.format !== 'stance-state-credential-v1' || typeof value?.signature !== 'string')
    throw new InvalidInput(field, path, 'a credential file written by stance-state sync credential issue');
  return value as unknown as SignedCredential;
};

const writeNew = (path: string, text: string, mode: number, field: string): void => {
  try {
    writeFileSync(path, text, { mode, flag: 'wx' });
    chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new DomainError('conflict', `${path} exists: keys and credentials are never overwritten`);
    throw new InvalidInput(field, path, `a writable path (${code ?? 'unwritable'})`);
  }
};

const IssueArgs = t.strict({
  orgKey: t.string,
  origin: Id,
  publicKey: t.string,
  report: t.array(Text),
  decide: t.array(Text),
  central: optional(t.boolean),
  notBefore: optional(Instant),
  expires: optional(Instant),
  out: t.string,
});

const RevokeArgs = t.strict({
  orgKey: t.string,
  origin: Id,
  serial: optional(Id),
  keepThrough: IntFromString('a position (0 or more)', 0, Number.MAX_SAFE_INTEGER),
  out: optional(t.string),
  hub: optional(t.string),
});

const collect = (value: string, previous: string[] = []) => [...previous, value];

export const registerSyncTrust = (group: Command, ctx: CliContext): void => {
  const env = ctx.env;

  group
    .command('keygen')
    .description('make an Ed25519 key pair: this origin’s (for signing batches) or, with --organisation, an organisation’s')
    .requiredOption('--out <dir>', 'where to write <name>.key (private, mode 600) and <name>.pub')
    .option('--organisation', 'an organisation key pair (organisation.key / organisation.pub) for issuing credentials')
    .action(async (o: { out: string; organisation?: boolean }, c: Command) => {
      ensureDirectory('--out', resolve(o.out));
      const name = o.organisation === true ? 'organisation' : (await ctx.engine(c)).origin;
      const { privateKeyPem, publicKeyPem } = generateSigningKeys();
      const privatePath = join(o.out, `${name}.key`);
      const publicPath = join(o.out, `${name}.pub`);
      writeNew(privatePath, privateKeyPem, 0o600, 'out');
      writeNew(publicPath, publicKeyPem, 0o644, 'out');
      const trusted = o.organisation === true ? { organisation_keys: [publicKeyPem] } : { [name]: publicKeyPem };
      if (ctx.json(c)) printJson({ origin: o.organisation === true ? null : name, private_key: privatePath, public_key: publicPath, trusted_entry: trusted });
      else
        out(
          o.organisation === true
            ? `wrote ${privatePath} (keep it offline) and ${publicPath}\nput the public key in every replica's trust configuration (sync trust set):\n${JSON.stringify(trusted, null, 2)}`
            : `wrote ${privatePath} (keep it here) and ${publicPath}\nadd to every replica's trusted keys file, or have the organisation issue a credential for it:\n${JSON.stringify(trusted, null, 2)}`,
        );
    });

  const trust = group.command('trust').description('this replica’s trust configuration: organisation keys, origins and their rights, central origin, caps');
  trust
    .command('set <file>')
    .description('check and record a trust configuration (JSON); every later sync applies it')
    .action(async (file: string, _o: unknown, c: Command) => {
      const engine = (await ctx.engine(c));
      const doc = await setTrustDocument(engine, readJsonFile(file, 'file'), Date.now());
      if (ctx.json(c)) printJson(doc);
      else out(`trust configuration recorded: ${(doc.organisation_keys ?? []).length} organisation keys, ${Object.keys(doc.origins ?? {}).length} origins listed, central ${doc.central ?? '-'}`);
    });
  trust
    .command('show')
    .description('print the recorded trust configuration (sync status shows what it resolves to)')
    .action(async (_o: unknown, c: Command) => {
      const doc = await storedTrustDocument((await ctx.engine(c)));
      if (ctx.json(c)) printJson(doc);
      else out(Object.keys(doc).length === 0 ? 'no trust configuration: single-team mode' : JSON.stringify(doc, null, 2));
    });

  const credential = group.command('credential').description('organisation-signed origin credentials and revocations');
  credential
    .command('issue')
    .description('sign a credential for an origin: its key, the scopes it may report for and decide on, validity')
    .requiredOption('--org-key <file>', 'the organisation’s private key (sync keygen --organisation)')
    .requiredOption('--origin <name>', 'the origin it is for')
    .requiredOption('--public-key <file>', 'the origin’s public key (sync keygen on that origin)')
    .option('--report <scope>', 'a scope it may report scans, sightings and checkpoints for: <account>[/<region>], * wildcards (repeat)', collect, [])
    .option('--decide <scope>', 'a scope it may decide on (resolve, suppress, false positive, notes) (repeat)', collect, [])
    .option('--central', 'it is the central origin (for central_wins)')
    .option('--not-before <instant>', 'valid from (default: now); events it recorded earlier are refused')
    .option('--expires <instant>', 'valid until (default: never)')
    .requiredOption('--out <file>', 'where to write the signed credential (never overwritten)')
    .action(async (o: Record<string, unknown>, c: Command) => {
      const a = decodeOrThrow(IssueArgs, o);
      const now = instantOf(Date.now());
      const signed = issueCredential(loadPrivateKey(a.orgKey, 'org-key'), {
        origin: a.origin,
        publicKeyPem: readPem(a.publicKey),
        report: a.report,
        decide: a.decide,
        central: a.central ?? false,
        notBefore: a.notBefore ?? now,
        expires: a.expires ?? null,
        issuedAt: now,
      });
      writeNew(a.out, `${JSON.stringify(signed, null, 2)}\n`, 0o644, 'out');
      if (ctx.json(c)) printJson({ path: a.out, ...signed.credential });
      else out(`wrote ${a.out}: ${a.origin} may report for ${a.report.join(' ') || 'nothing'} and decide on ${a.decide.join(' ') || 'nothing'} (serial ${signed.credential.serial})`);
    });
  credential
    .command('revoke')
    .description('sign a revocation: the origin’s batches after --keep-through are refused by every replica')
    .requiredOption('--org-key <file>', 'the organisation’s private key')
    .requiredOption('--origin <name>', 'the origin to revoke')
    .option('--serial <serial>', 'only this credential (default: every credential issued so far)')
    .requiredOption('--keep-through <position>', 'the origin’s last position whose batches stay acceptable (sync status shows what was pulled)')
    .option('--out <file>', 'write the signed revocation here')
    .option('--hub <url>', 'publish it on this hub, where every replica looks')
    .action(async (o: Record<string, unknown>, c: Command) => {
      const a = decodeOrThrow(RevokeArgs, o);
      if (a.out === undefined && a.hub === undefined) throw new InvalidInput('out', undefined, '--out <file> or --hub <url> (or both)');
      const signed = issueRevocation(loadPrivateKey(a.orgKey, 'org-key'), {
        origin: a.origin,
        serial: a.serial ?? null,
        keepThrough: a.keepThrough,
        revokedAt: instantOf(Date.now()),
      });
      if (a.out !== undefined) writeNew(a.out, `${JSON.stringify(signed, null, 2)}\n`, 0o644, 'out');
      if (a.hub !== undefined)
        await openHub(a.hub, env).create(revocationKey(signed.revocation), Buffer.from(`${JSON.stringify(signed)}\n`), { format: 'stance-state-revocation-v1' });
      if (ctx.json(c)) printJson({ path: a.out ?? null, hub: a.hub ?? null, ...signed.revocation });
      else out(`revoked ${a.origin}${a.serial ? ` (credential ${a.serial})` : ''} after position ${a.keepThrough}`);
    });
  credential
    .command('publish <file>')
    .description('put a credential on a hub, where replicas trusting the organisation find it')
    .requiredOption('--hub <url>', 'the hub')
    .action(async (file: string, o: { hub: string }, c: Command) => {
      const signed = readCredentialFile(file, 'file');
      const hub = openHub(o.hub, env);
      await publishCredential(hub, signed);
      if (ctx.json(c)) printJson({ hub: hub.url, origin: signed.credential.origin, serial: signed.credential.serial });
      else out(`published the credential of ${signed.credential.origin} on ${hub.url}`);
    });
};

const readPem = (path: string): string => {
  const text = readPemText(path);
  if (!text.includes('BEGIN PUBLIC KEY')) throw new InvalidInput('public-key', path, 'an Ed25519 public key in PEM (sync keygen)');
  return text;
};

const readPemText = (path: string): string => {
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(fstatSync(fd).size, 16 * 1024));
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new InvalidInput('public-key', path, `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
};

