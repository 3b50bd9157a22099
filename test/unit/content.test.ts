import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contentHash } from '../../src/content/hash.js';
import { interpolate, loadDesiredObjects, requireKeys } from '../../src/content/load.js';
import { DEFAULT_PROFILE, type Profile } from '../../src/content/profile.js';
import { ContentError } from '../../src/errors.js';
import { PACK_ROOT } from '../../src/paths.js';

const site: Profile = { timezone: 'UTC', indices: { prefix: 'siem', number_of_shards: 2, number_of_replicas: 1 } };

describe('interpolate', () => {
  it('keeps the type of a whole-string placeholder', () => {
    expect(interpolate('${profile.indices.number_of_shards}', site, 'f.yml')).toBe(2);
    expect(interpolate({ n: '${profile.indices.number_of_replicas}' }, site, 'f.yml')).toEqual({ n: 1 });
  });

  it('turns embedded placeholders into text', () => {
    expect(interpolate('shards=${profile.indices.number_of_shards}', site, 'f.yml')).toBe('shards=2');
    expect(interpolate('${profile.indices.prefix}-${profile.timezone}', site, 'f.yml')).toBe('siem-UTC');
  });

  it('walks arrays and nested objects and leaves other values alone', () => {
    expect(interpolate({ a: ['${profile.indices.prefix}-*', 3, null, true], b: { c: '${profile.timezone}' }, k: 'plain' }, site, 'f.yml')).toEqual({
      a: ['siem-*', 3, null, true],
      b: { c: 'UTC' },
      k: 'plain',
    });
  });

  it('does not treat mustache templates as placeholders', () => {
    expect(interpolate('{{{_ingest.timestamp}}}', site, 'f.yml')).toBe('{{{_ingest.timestamp}}}');
  });

  it('throws a ContentError naming the file for an unknown placeholder', () => {
    expect(() => interpolate({ x: ['${profile.indices.nope}'] }, site, 'mappings/index/logs.yml')).toThrow(
      new ContentError('mappings/index/logs.yml: placeholder ${profile.indices.nope} names no profile setting, or one the profile leaves unset'),
    );
    expect(() => interpolate('a-${profile.nope}-b', site, 'p.yml')).toThrow(ContentError);
  });
});

describe('requireKeys', () => {
  it('passes when all keys are present and names the first missing one', () => {
    expect(() => requireKeys({ a: 1, b: undefined }, ['a', 'b'], 'x.yml')).not.toThrow();
    expect(() => requireKeys({ a: 1 }, ['a', 'b', 'c'], 'x.yml')).toThrow(new ContentError('x.yml: missing "b"'));
  });
});

describe('loadDesiredObjects on the repository content', () => {
  const objects = loadDesiredObjects(PACK_ROOT, DEFAULT_PROFILE);

  it('returns the settings template first, then components, pipelines and index templates', () => {
    const order = ['component_template', 'ingest_pipeline', 'index_template'];
    expect(objects[0]!.name).toBe('jpcert-settings');
    const kinds = objects.map((o) => order.indexOf(o.kind));
    expect(kinds).toEqual([...kinds].sort((x, y) => x - y));
    const names = objects.map((o) => `${o.kind}/${o.name}`);
    for (const n of ['component_template/jpcert-ecs-base', 'ingest_pipeline/jpcert-common-final', 'index_template/jpcert-logs']) expect(names).toContain(n);
  });

  it('names objects after their files: pipelines/<source>/default.yml is jpcert-<source>', () => {
    for (const o of objects.filter((x) => x.kind === 'ingest_pipeline')) {
      const [source, file] = path.relative(path.join(PACK_ROOT, 'pipelines'), o.source).split(path.sep);
      expect(o.name).toBe(file === 'default.yml' ? `jpcert-${source}` : `jpcert-${source}-${path.basename(file!, '.yml')}`);
    }
    expect(objects.find((o) => o.name === 'jpcert-ecs-base')!.source).toBe(path.join(PACK_ROOT, 'mappings', 'component', 'ecs-base.yml'));
  });

  it('hashes each body', () => {
    for (const o of objects) expect(o.hash).toBe(contentHash(o.body));
  });

  it('fills the index pattern from the profile prefix', () => {
    const logs = objects.find((o) => o.name === 'jpcert-logs');
    expect(logs?.body.index_patterns).toEqual(['logs-jpcert.*-*']);
    const other = loadDesiredObjects(PACK_ROOT, site).find((o) => o.name === 'jpcert-logs');
    expect(other?.body.index_patterns).toEqual(['siem-jpcert.*-*']);
    expect(other?.hash).not.toBe(logs?.hash);
  });

  it('index template composes the pack components and uses the final pipeline', () => {
    const logs = objects.find((o) => o.name === 'jpcert-logs');
    expect(logs?.body.composed_of).toEqual(['jpcert-ecs-base', 'jpcert-settings', 'jpcert-lifecycle']);
    expect(logs?.body.template).toEqual({ settings: { index: { final_pipeline: 'jpcert-common-final' } } });
  });

  it('settings follow the node count by default', () => {
    expect(objects[0]?.body).toEqual({ template: { settings: { index: { number_of_shards: 1, auto_expand_replicas: '0-1' } } } });
  });

  it('settings use a fixed replica count when the profile sets one', () => {
    const withReplicas = loadDesiredObjects(PACK_ROOT, { ...DEFAULT_PROFILE, indices: { ...DEFAULT_PROFILE.indices, number_of_replicas: 0, number_of_shards: 3 } });
    expect(withReplicas[0]?.body).toEqual({ template: { settings: { index: { number_of_shards: 3, number_of_replicas: 0 } } } });
  });
});

describe('loadDesiredObjects on a temporary content tree', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'content-test-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function write(rel: string, text: string): string {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  }

  it('returns only the settings and lifecycle templates for an empty tree', () => {
    expect(loadDesiredObjects(root, DEFAULT_PROFILE).map((o) => o.name)).toEqual(['jpcert-settings', 'jpcert-lifecycle']);
  });

  it('names the ILM policy in the lifecycle template on Elasticsearch with retention:, and only there', () => {
    const lifecycle = (p: typeof DEFAULT_PROFILE, e: 'opensearch' | 'elasticsearch') => loadDesiredObjects(root, p, e).find((o) => o.name === 'jpcert-lifecycle')!.body.template;
    const retained = { ...DEFAULT_PROFILE, retention: {} };
    expect(lifecycle(retained, 'elasticsearch')).toEqual({ settings: { index: { lifecycle: { name: 'jpcert-retention' } } } });
    expect(lifecycle(retained, 'opensearch')).toEqual({});
    expect(lifecycle(DEFAULT_PROFILE, 'elasticsearch')).toEqual({});
  });

  it('names pipelines <source> for default.yml and <source>-<file> otherwise, sorted, ignoring non-.yml files', () => {
    write('pipelines/squid/default.yml', 'description: d\nprocessors: []\n');
    write('pipelines/squid/access.yml', 'description: d\nprocessors: []\n');
    write('pipelines/bind/default.yml', 'description: d\nprocessors: []\n');
    write('pipelines/bind/README.md', 'not content');
    expect(loadDesiredObjects(root, DEFAULT_PROFILE).map((o) => o.name)).toEqual(['jpcert-settings', 'jpcert-lifecycle', 'jpcert-bind', 'jpcert-squid-access', 'jpcert-squid']);
  });

  it('reports a missing required key with the file', () => {
    const file = write('pipelines/bind/default.yml', 'description: d\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError(`${file}: missing "processors"`));
  });

  it('reports a file that is not a mapping', () => {
    const file = write('mappings/component/x.yml', '- a\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError(`${file} must hold a YAML mapping`));
  });

  it('reports invalid YAML as a ContentError', () => {
    write('mappings/index/x.yml', 'index_patterns: [a\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(ContentError);
  });

  it('reports an unknown placeholder with the file', () => {
    const file = write('mappings/index/x.yml', 'index_patterns: ["${profile.nope}-*"]\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError(`${file}: placeholder \${profile.nope} names no profile setting, or one the profile leaves unset`));
  });

  it('rejects two files that define the same object', () => {
    write('mappings/component/settings.yml', 'template: {}\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError('two content files define component_template/jpcert-settings'));
  });

  it('rejects pipelines whose names collide across source folders', () => {
    write('pipelines/common/final.yml', 'description: d\nprocessors: []\n');
    write('pipelines/common-final/default.yml', 'description: d\nprocessors: []\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow('two content files define ingest_pipeline/jpcert-common-final');
  });

  it('makes a source of a folder with a manifest: component template from fields.yml, index template from the shape, shared on_failure', () => {
    write('pipelines/fw/manifest.yml', 'title: Test firewall\nconstants: { event.dataset: jpcert.fw, observer.type: firewall }\n');
    write('pipelines/fw/fields.yml', '- { name: source.ip, type: ip }\n- { name: fw.rule, type: keyword, description: rule }\n- { name: fw.bytes, type: long, index: false }\n');
    write('pipelines/fw/default.yml', 'description: d\nprocessors: []\non_failure: !on_failure\n  first: [{ set: { tag: a, field: x, value: 1 } }]\n');
    write('mappings/source-template.yml', 'index_patterns: ["${profile.indices.prefix}-jpcert.${source.name}-*"]\ncomposed_of: ["jpcert-${source.name}"]\n_meta: { description: "pack, ${source.title}" }\n');
    const objects = loadDesiredObjects(root, DEFAULT_PROFILE);
    expect(objects.map((o) => `${o.kind}/${o.name}`)).toEqual(['component_template/jpcert-settings', 'component_template/jpcert-lifecycle', 'component_template/jpcert-fw', 'ingest_pipeline/jpcert-fw', 'index_template/jpcert-fw']);
    expect((objects[2]!.body as any).template.mappings.properties).toEqual({ source: { properties: { ip: { type: 'ip' } } }, fw: { properties: { rule: { type: 'keyword' }, bytes: { type: 'long', index: false } } } });
    expect(objects[4]!.body).toEqual({ index_patterns: ['logs-jpcert.fw-*'], composed_of: ['jpcert-fw'], _meta: { description: 'pack, Test firewall' } });
    const onFailure = (objects[3]!.body as any).on_failure as Array<Record<string, any>>;
    expect(onFailure.map((p) => Object.values(p)[0].tag)).toEqual([
      'set_pipeline_error_kind', 'a', 'set_event_dataset_on_failure', 'set_observer_type_on_failure', 'append_pipeline_error_message', 'set_timestamp_on_failure', 'remove_tmp_on_failure', 'pipeline_common_final_on_failure',
    ]);
    expect(onFailure[4]!.append.value).toContain('{{^_ingest.on_failure_pipeline}}jpcert-fw{{/_ingest.on_failure_pipeline}}');
  });

  it('reports a field list with a field twice or a field inside another', () => {
    write('pipelines/fw/manifest.yml', 'title: t\n');
    const file = write('pipelines/fw/fields.yml', '- { name: a.b, type: keyword }\n- { name: a.b, type: long }\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError(`${file}: a.b is listed twice`));
    write('pipelines/fw/fields.yml', '- { name: a, type: object }\n- { name: a.b, type: long }\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError(`${file}: a.b is inside a, which is listed as a field of its own`));
    write('pipelines/fw/fields.yml', '- { name: a }\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError(`${file}: entry 1 needs a name and a type`));
  });

  it('refuses !on_failure outside a source folder', () => {
    const file = write('pipelines/common/x.yml', 'description: d\nprocessors: []\non_failure: !on_failure {}\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(`${file}: !on_failure needs the source's manifest.yml beside the pipeline`);
  });

  it('expands // @include lines of a script from pipelines/, each file once, includes first', () => {
    write('pipelines/common/painless/a.painless', '// @include common/painless/b.painless\nint a() { return b(); }\n');
    write('pipelines/common/painless/b.painless', 'int b() { return 1; }\n');
    write('pipelines/common/x.yml', 'description: d\nprocessors:\n  - script:\n      source: |\n        // @include common/painless/a.painless\n        // @include common/painless/b.painless\n        ctx.v = a();\n');
    const body = loadDesiredObjects(root, DEFAULT_PROFILE).find((o) => o.name === 'jpcert-common-x')!.body as any;
    expect(body.processors[0].script.source).toBe('int b() { return 1; }\nint a() { return b(); }\nctx.v = a();\n');
  });

  it('includes a file without its comment lines, blank lines and indentation', () => {
    write('pipelines/common/painless/c.painless', "// a note\n/**\n * a doc comment\n */\nint c() {\n  /* one line */\n  return 'http://x'.length(); // kept\n\n}\n");
    write('pipelines/common/x.yml', 'description: d\nprocessors:\n  - script:\n      source: |\n        // @include common/painless/c.painless\n        ctx.v = c();\n');
    const body = loadDesiredObjects(root, DEFAULT_PROFILE).find((o) => o.name === 'jpcert-common-x')!.body as any;
    expect(body.processors[0].script.source).toBe("int c() {\nreturn 'http://x'.length(); // kept\n}\nctx.v = c();\n");
  });

  it('refuses a comment block that ends inside a line of an included file', () => {
    write('pipelines/common/painless/d.painless', '/* a */ int d() { return 1; }\n');
    write('pipelines/common/x.yml', 'description: d\nprocessors:\n  - script:\n      source: |\n        // @include common/painless/d.painless\n        ctx.v = d();\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow('a /* comment must end a line: /* a */ int d() { return 1; }');
  });

  it('reports an include that is missing, outside pipelines/ or after the code', () => {
    const file = write('pipelines/common/x.yml', 'description: d\nprocessors:\n  - script:\n      source: "// @include common/painless/none.painless\\nctx.v = 1;"\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow(new ContentError(`${file}: @include common/painless/none.painless: no such file`));
    write('pipelines/common/x.yml', 'description: d\nprocessors:\n  - script:\n      source: "// @include ../../etc/passwd\\nctx.v = 1;"\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow('must name a .painless file under pipelines/');
    write('pipelines/common/painless/b.painless', 'int b() { return 1; }\n');
    write('pipelines/common/x.yml', 'description: d\nprocessors:\n  - script:\n      source: "ctx.v = 1;\\n// @include common/painless/b.painless"\n');
    expect(() => loadDesiredObjects(root, DEFAULT_PROFILE)).toThrow("@include must come before the script's first line of code");
  });
});
