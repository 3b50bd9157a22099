import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { pluginSpecs } from '../../src/cli/plugin-flags.js';
import { UsageError } from '../../src/errors.js';
import { checkSums, orderPlugins, parseSums, pluginHomePath, readPluginZip, readZipEntry, resolvePluginFiles, type PluginZip } from '../../src/engine/plugins.js';

/** A zip archive written by hand (the format's local headers and central directory), stored or deflated. */
function zip(files: Record<string, string>, deflate = true): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const raw = Buffer.from(text);
    const data = deflate ? deflateRawSync(raw) : raw;
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(deflate ? 8 : 0, 10);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(raw.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    central.push(c, n);
    offset += local.length + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function descriptor(name: string, extended = '', version = '2.19.4'): string {
  return `# comment\ndescription=test\nversion=${version}.0\nname=${name}\nclassname=x.Y\nopensearch.version=${version}\nextended.plugins=${extended}\n`;
}

const dir = mkdtempSync(path.join(tmpdir(), 'pack-plugins-'));
function writeZip(file: string, files: Record<string, string>, deflate = true): string {
  const p = path.join(dir, file);
  writeFileSync(p, zip(files, deflate));
  return p;
}

function plugin(name: string, extended: string[] = [], over: Partial<PluginZip> = {}): PluginZip {
  return { file: `/z/${name}.zip`, name, version: '2.19.4.0', opensearchVersion: '2.19.4', extended, sha256: name.padEnd(64, '0'), ...over };
}

describe('plugin zips', () => {
  test('the descriptor is read from a deflated or a stored entry', async () => {
    for (const deflate of [true, false]) {
      const file = writeZip(`im-${deflate}.zip`, { 'LICENSE.txt': 'x'.repeat(500), 'plugin-descriptor.properties': descriptor('opensearch-index-management', 'opensearch-job-scheduler') }, deflate);
      const z = await readPluginZip(file);
      expect(z).toMatchObject({ name: 'opensearch-index-management', version: '2.19.4.0', opensearchVersion: '2.19.4', extended: ['opensearch-job-scheduler'] });
      expect(z.sha256).toBe(createHash('sha256').update(zip({ 'LICENSE.txt': 'x'.repeat(500), 'plugin-descriptor.properties': descriptor('opensearch-index-management', 'opensearch-job-scheduler') }, deflate)).digest('hex'));
    }
    expect(readZipEntry(zip({ a: 'b' }), 'missing')).toBeUndefined();
  });

  test('a zip without a descriptor, or a file that is no zip, is refused', async () => {
    await expect(readPluginZip(writeZip('plain.zip', { 'readme.txt': 'hello' }))).rejects.toThrow(/is not an OpenSearch plugin: it has no plugin-descriptor\.properties/);
    const notZip = path.join(dir, 'not.zip');
    writeFileSync(notZip, 'hello');
    await expect(readPluginZip(notZip)).rejects.toThrow(UsageError);
    await expect(readPluginZip(path.join(dir, 'absent.zip'))).rejects.toThrow(/cannot be read/);
  });

  test('install order: dependencies first, then job-scheduler, index-management, notifications-core, notifications, alerting', () => {
    const all = [plugin('opensearch-alerting', ['lang-painless']), plugin('opensearch-notifications', ['opensearch-notifications-core']), plugin('opensearch-index-management', ['opensearch-job-scheduler']), plugin('opensearch-notifications-core'), plugin('opensearch-job-scheduler')];
    expect(orderPlugins(all, ['lang-painless'], '2.19.4').map((z) => z.name)).toEqual(['opensearch-job-scheduler', 'opensearch-index-management', 'opensearch-notifications-core', 'opensearch-notifications', 'opensearch-alerting']);
    // a plugin outside the known list that others extend still comes first
    expect(orderPlugins([plugin('b-plugin', ['a-plugin']), plugin('a-plugin')], [], '2.19.4').map((z) => z.name)).toEqual(['a-plugin', 'b-plugin']);
    // the same zip twice is one plugin
    expect(orderPlugins([plugin('opensearch-job-scheduler'), plugin('opensearch-job-scheduler')], [], '2.19.4')).toHaveLength(1);
  });

  test('a missing dependency, another engine version, two different zips of one plugin or a built-in are refused before anything is installed', () => {
    expect(() => orderPlugins([plugin('opensearch-index-management', ['opensearch-job-scheduler'])], [], '2.19.4')).toThrow(/opensearch-index-management needs the plugin opensearch-job-scheduler, which was not given/);
    expect(() => orderPlugins([plugin('opensearch-alerting', [], { opensearchVersion: '2.18.0' })], [], '2.19.4')).toThrow(/for OpenSearch 2\.18\.0; the local engine is 2\.19\.4/);
    expect(() => orderPlugins([plugin('p'), plugin('p', [], { sha256: 'f'.repeat(64), file: '/y/p.zip' })], [], '2.19.4')).toThrow(/two different zips of plugin p/);
    expect(() => orderPlugins([plugin('opensearch-security')], ['opensearch-security'], '2.19.4')).toThrow(/already part of the engine/);
    expect(() => orderPlugins([plugin('a', ['b']), plugin('b', ['a'])], [], '2.19.4')).toThrow(/cycle/);
  });

  test('SHA256SUMS beside the zips: a match passes, a mismatch is refused, an unlisted zip is said', async () => {
    const sub = mkdtempSync(path.join(dir, 'sums-'));
    const good = path.join(sub, 'good.zip');
    const bad = path.join(sub, 'bad.zip');
    writeFileSync(good, zip({ 'plugin-descriptor.properties': descriptor('good') }));
    writeFileSync(bad, zip({ 'plugin-descriptor.properties': descriptor('bad') }));
    const g = await readPluginZip(good);
    const b = await readPluginZip(bad);
    expect(checkSums(g)).toBe('no SHA256SUMS');
    writeFileSync(path.join(sub, 'SHA256SUMS'), `${g.sha256}  good.zip\n${'0'.repeat(64)} *bad.zip\n`);
    expect(parseSums(`${g.sha256}  good.zip\n`).get('good.zip')).toBe(g.sha256);
    expect(checkSums(g)).toBe('checked');
    expect(() => checkSums(b)).toThrow(/bad\.zip does not match its checksum/);
    expect(checkSums({ ...g, file: path.join(sub, 'other.zip') })).toBe('not listed');
  });

  test('a home per plugin set: the same zips in any order share it, another set gets another', () => {
    const a = plugin('opensearch-job-scheduler');
    const b = plugin('opensearch-alerting');
    expect(pluginHomePath('/e/os', [])).toBe('/e/os');
    expect(pluginHomePath('/e/os', [a, b])).toBe(pluginHomePath('/e/os', [b, a]));
    expect(pluginHomePath('/e/os', [a, b])).toMatch(/^\/e\/os-plugins-[0-9a-f]{12}$/);
    expect(pluginHomePath('/e/os', [a])).not.toBe(pluginHomePath('/e/os', [a, b]));
    expect(pluginHomePath('/e/os', [a])).not.toBe(pluginHomePath('/e/os', [{ ...a, sha256: 'e'.repeat(64) }]));
  });
});

describe('where plugins come from', () => {
  test('--plugin flags first, then the folders of PACK_ENGINE_PLUGINS', () => {
    expect(pluginSpecs(['a.zip'], { PACK_ENGINE_PLUGINS: `/p${path.delimiter}/q` })).toEqual(['a.zip', '/p', '/q']);
    expect(pluginSpecs(undefined, {})).toEqual([]);
  });

  test('a folder gives its zips in name order; a missing path or an empty folder is refused', async () => {
    const sub = mkdtempSync(path.join(dir, 'folder-'));
    writeFileSync(path.join(sub, 'b.zip'), 'x');
    writeFileSync(path.join(sub, 'a.zip'), 'x');
    writeFileSync(path.join(sub, 'SHA256SUMS'), '');
    expect(await resolvePluginFiles([sub], dir, () => {})).toEqual([path.join(sub, 'a.zip'), path.join(sub, 'b.zip')]);
    expect(await resolvePluginFiles([`file://${path.join(sub, 'a.zip')}`], dir, () => {})).toEqual([path.join(sub, 'a.zip')]);
    await expect(resolvePluginFiles([path.join(dir, 'nothing-here')], dir, () => {})).rejects.toThrow(/does not exist/);
    await expect(resolvePluginFiles([mkdtempSync(path.join(dir, 'empty-'))], dir, () => {})).rejects.toThrow(/holds no \.zip file/);
  });

  test('a URL is downloaded once, checked against the .sha512 the server has beside it', async () => {
    const body = zip({ 'plugin-descriptor.properties': descriptor('remote') });
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url!);
      if (req.url === '/p/remote.zip' || req.url === '/p/bad.zip') return res.end(body);
      if (req.url === '/p/remote.zip.sha512') return res.end(`${createHash('sha512').update(body).digest('hex')}  remote.zip\n`);
      if (req.url === '/p/bad.zip.sha512') return res.end(`${'0'.repeat(128)}  bad.zip\n`);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/p`;
    const cache = mkdtempSync(path.join(dir, 'cache-'));
    try {
      const logged: string[] = [];
      const [file] = await resolvePluginFiles([`${base}/remote.zip`], cache, (m) => logged.push(m));
      expect((await readPluginZip(file!)).name).toBe('remote');
      expect(logged.join('\n')).toMatch(/sha512 checked/);
      const before = hits.length;
      expect(await resolvePluginFiles([`${base}/remote.zip`], cache, () => {})).toEqual([file]);
      expect(hits.length).toBe(before);
      await expect(resolvePluginFiles([`${base}/bad.zip`], cache, () => {})).rejects.toThrow(/does not match its \.sha512 checksum/);
      await expect(resolvePluginFiles([`${base}/absent.zip`], cache, () => {})).rejects.toThrow(/HTTP 404/);
    } finally {
      server.close();
    }
  });
});
