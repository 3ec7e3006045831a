import { createServer, type AddressInfo, type Socket } from 'node:net';
import { BlobServiceClient } from '@azure/storage-blob';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../../src/errors.js';
import { azureHub, HubError, type HubStorage } from '../../../src/sync/hub/index.js';
import { azuriteAccount, azuriteConnectionString, azuriteKey, startAzurite } from '../../support/azurite.js';
import { collect } from '../../support/events.js';
import { raises } from '../../support/raises.js';
import { runHubContract } from './hub-contract.js';

const azurite = await startAzurite();
const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
const fast = { maxTries: 3, retryDelayMs: 20, maxRetryDelayMs: 100 };
let n = 0;

// Every contract case gets a fresh prefix in one container; the first case also makes that container.
runHubContract(
  'Azurite',
  async ({ pageSize }) => {
    n += 1;
    const hub = azureHub({
      connectionString: azurite.connectionString,
      container: 'contract',
      prefix: `case-${n}/hub`,
      retry: fast,
      ...(pageSize === undefined ? {} : { pageSize }),
    });
    return { hub, dispose: async () => undefined };
  },
  25,
);

const Azure = suite('sync/hub: Azure Blob adapter');
Azure.after(() => azurite.stop());

const hubAt = (container: string, prefix: string, connectionString = azurite.connectionString): HubStorage =>
  azureHub({ connectionString, container, prefix, retry: fast });

Azure('the service itself answers a second Put Blob with If-None-Match * with 409 BlobAlreadyExists', async () => {
  const container = service.getContainerClient('raw');
  await container.createIfNotExists();
  const blob = container.getBlockBlobClient('once');
  await blob.upload(Buffer.from('a'), 1, { conditions: { ifNoneMatch: '*' } });
  try {
    await blob.upload(Buffer.from('b'), 1, { conditions: { ifNoneMatch: '*' } });
    assert.unreachable('the second upload succeeded');
  } catch (error) {
    const e = error as { statusCode?: number; code?: string };
    assert.is(e.statusCode, 409);
    assert.is(e.code, 'BlobAlreadyExists');
  }
  assert.is((await blob.downloadToBuffer()).toString(), 'a');
});

Azure('the first create makes a missing container, and before that the hub reads as empty', async () => {
  const hub = hubAt('made-on-demand', 'p');
  assert.is(await service.getContainerClient('made-on-demand').exists(), false);
  assert.equal(await collect(hub.list('')), []);
  assert.is(await hub.read('o/1'), null);
  assert.is(await hub.metadata('o/1'), null);
  assert.is(await hub.delete('o/1'), false);
  assert.is(await hub.create('o/1', Buffer.from('x'), {}), 'created');
  assert.is(await service.getContainerClient('made-on-demand').exists(), true);
});

Azure('metadata values are stored percent-encoded, plain where they are printable ASCII', async () => {
  const hub = hubAt('encoding', 'p');
  const metadata = { sha256: 'ab'.repeat(32), at: '2026-01-01T00:00:00.000Z', note: 'caf\u00e9 au lait 100%' };
  await hub.create('o/1', Buffer.from('x'), metadata);
  const raw = await service.getContainerClient('encoding').getBlobClient('p/o/1').getProperties();
  assert.equal(raw.metadata, { ...metadata, note: 'caf%C3%A9%20au%20lait%20100%25' });
  assert.equal(await hub.metadata('o/1'), metadata);
});

Azure('objects live under the prefix, and blobs beside it or with names that are not keys are skipped', async () => {
  const hub = hubAt('prefixed', 'spokes/eu');
  await hub.create('o/1', Buffer.from('1'), {});
  const container = service.getContainerClient('prefixed');
  for (const name of ['spokes/europe/o/2', 'spokes/eu/.hidden', 'spokes/eu/o/caf\u00e9', 'spokes/eu/o/end.'])
    await container.getBlockBlobClient(name).upload(Buffer.from('x'), 1);
  const names: string[] = [];
  for await (const item of container.listBlobsFlat()) names.push(item.name);
  assert.ok(names.includes('spokes/eu/o/1'), names.join());
  assert.equal(await collect(hub.list('')), ['o/1']);
  assert.equal(await collect(hubAt('prefixed', 'spokes').list('')), ['eu/o/1', 'europe/o/2']);
});

Azure('metadata another tool set that is not percent-encoded is reported as corrupt', async () => {
  const container = service.getContainerClient('foreign');
  await container.createIfNotExists();
  await container.getBlockBlobClient('p/o/1').upload(Buffer.from('x'), 1, { metadata: { bad: '100%zz' } });
  const error = await raises(() => hubAt('foreign', 'p').read('o/1'), HubError);
  assert.is(error.code, 'corrupt');
  assert.match(error.message, /object "o\/1" has metadata bad that is not percent-encoded/);
});

Azure('a key that would pass 1024 characters with the prefix is refused as InvalidInput', async () => {
  const prefix = `${'p'.repeat(250)}/${'p'.repeat(250)}/${'p'.repeat(250)}/${'p'.repeat(247)}`;
  assert.is(prefix.length, 1000);
  const hub = hubAt('long', prefix);
  await hub.create('k'.repeat(23), Buffer.from('x'), {});
  const error = await raises(() => hub.create('k'.repeat(24), Buffer.from('x'), {}), InvalidInput);
  assert.is(error.field, 'key');
  assert.match(error.message, /at most 23 characters/);
});

Azure('an unreachable hub fails fast with an error naming container, account and host but no secret', async () => {
  const port = await freePort();
  const hub = hubAt('hub', 'x', azuriteConnectionString(port));
  for (const action of [
    () => hub.create('o/1', Buffer.from('x'), {}),
    () => hub.read('o/1'),
    () => hub.metadata('o/1'),
    () => collect(hub.list('')),
    () => hub.delete('o/1'),
  ]) {
    const started = Date.now();
    const error = await raises(action, HubError);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.is(error.code, 'unreachable');
    assert.ok(error.message.includes('azblob://hub/x'), error.message);
    assert.ok(error.message.includes(`account ${azuriteAccount} at 127.0.0.1:${port}`), error.message);
    assert.ok(error.message.includes('ECONNREFUSED'), error.message);
    assert.not.ok(error.message.includes(azuriteKey), error.message);
    assert.not.match(error.message, /AccountKey|SharedAccessSignature/i);
    assert.is(error.cause, undefined, 'no SDK error (with its request) hangs off the message');
  }
});

Azure('a hub that accepts connections but never answers times out at the operation deadline', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  try {
    const hub = azureHub({
      connectionString: azuriteConnectionString(port),
      container: 'hub',
      prefix: '',
      retry: { ...fast, operationTimeoutMs: 400 },
    });
    const started = Date.now();
    const error = await raises(() => hub.create('o/1', Buffer.from('x'), {}), HubError);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.is(error.code, 'timeout');
    const where = `account ${azuriteAccount} at 127.0.0.1:${port}`;
    assert.is(error.message, `hub azblob://hub: create of "o/1" timed out after 400 ms (${where})`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

Azure('a wrong account key is denied with a message that names the account and not the key', async () => {
  const wrongKey = Buffer.alloc(64, 7).toString('base64');
  const hub = hubAt('hub', 'x', azuriteConnectionString(azurite.port, wrongKey));
  const error = await raises(() => hub.create('o/1', Buffer.from('x'), {}), HubError);
  assert.is(error.code, 'denied');
  assert.ok(error.message.includes(`account ${azuriteAccount}`), error.message);
  assert.ok(!error.message.includes(wrongKey), error.message);
});

Azure('a bad connection string, container, prefix or setting is InvalidInput, never showing the string', async () => {
  const secret = 'AccountName=x;AccountKey=c2VjcmV0;garbage';
  const error = await raises(() => azureHub({ connectionString: secret, container: 'hub', prefix: '' }), InvalidInput);
  assert.is(error.field, 'AZURE_STORAGE_CONNECTION_STRING');
  assert.ok(!error.message.includes('c2VjcmV0'), error.message);
  const good = { connectionString: azurite.connectionString, container: 'hub', prefix: '' };
  const retry = await raises(() => azureHub({ ...good, retry: { maxTries: 0 } }), InvalidInput);
  assert.is(retry.field, 'retry.maxTries');
  const page = await raises(() => azureHub({ ...good, pageSize: 5001 }), InvalidInput);
  assert.is(page.field, 'pageSize');
  assert.is((await raises(() => azureHub({ ...good, container: 'c' }), InvalidInput)).field, 'container');
  assert.is((await raises(() => azureHub({ ...good, prefix: 'a/../b' }), InvalidInput)).field, 'prefix');
});

const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};

Azure.run();
