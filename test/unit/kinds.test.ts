import { PACK_ID, type DesiredObject } from '../../src/content/load.js';
import { componentTemplates, hashFromDescription, indexTemplates, ingestPipelines, kindOf, KINDS, tagDescription } from '../../src/deploy/kinds.js';

describe('tagDescription / hashFromDescription', () => {
  it('appends the pack id and hash', () => {
    expect(PACK_ID).toBe('jpcert-apt-log-pack');
    expect(tagDescription('Last step of every pipeline', '0123456789abcdef0123')).toBe('Last step of every pipeline [jpcert-apt-log-pack 0123456789abcdef0123]');
  });

  it('round-trips the hash', () => {
    expect(hashFromDescription(tagDescription('Last step', '0123456789abcdef0123'))).toBe('0123456789abcdef0123');
    expect(hashFromDescription(tagDescription('', 'abc'))).toBe('abc');
  });

  it('finds no hash in a foreign description', () => {
    expect(hashFromDescription('Parses Squid access logs')).toBeUndefined();
    expect(hashFromDescription('x [other-pack 0123abcd]')).toBeUndefined();
    expect(hashFromDescription('x [jpcert-apt-log-pack 0123abcd] and more')).toBeUndefined();
    expect(hashFromDescription('x [jpcert-apt-log-pack ABCDEF]')).toBeUndefined();
  });

  it('finds no hash in a non-string', () => {
    expect(hashFromDescription(undefined)).toBeUndefined();
    expect(hashFromDescription(42)).toBeUndefined();
    expect(hashFromDescription({ description: '[jpcert-apt-log-pack abc]' })).toBeUndefined();
  });
});

function object(kind: DesiredObject['kind'], body: Record<string, unknown>): DesiredObject {
  return { kind, name: 'jpcert-x', body, hash: 'feedface00feedface00', source: 'x.yml' };
}

describe('withMarker', () => {
  it('component templates: keeps existing _meta keys and adds managed_by/content_hash', () => {
    const o = object('component_template', { template: { mappings: {} }, _meta: { description: 'ECS base', version: 3 } });
    expect(componentTemplates.withMarker(o)).toEqual({
      template: { mappings: {} },
      _meta: { description: 'ECS base', version: 3, managed_by: 'jpcert-apt-log-pack', content_hash: 'feedface00feedface00' },
    });
  });

  it('does not change the desired body', () => {
    const o = object('component_template', { template: {}, _meta: { description: 'd' } });
    componentTemplates.withMarker(o);
    expect(o.body).toEqual({ template: {}, _meta: { description: 'd' } });
  });

  it('index templates: adds _meta when the content has none', () => {
    const o = object('index_template', { index_patterns: ['logs-jpcert.*-*'] });
    expect(indexTemplates.withMarker(o)).toEqual({
      index_patterns: ['logs-jpcert.*-*'],
      _meta: { managed_by: 'jpcert-apt-log-pack', content_hash: 'feedface00feedface00' },
    });
  });

  it('the marker overrides a managed_by/content_hash written in content', () => {
    const o = object('index_template', { _meta: { managed_by: 'someone', content_hash: 'old' } });
    expect(indexTemplates.withMarker(o)).toEqual({ _meta: { managed_by: 'jpcert-apt-log-pack', content_hash: 'feedface00feedface00' } });
  });

  it('ingest pipelines: tags the description and adds no _meta', () => {
    const o = object('ingest_pipeline', { description: 'Last step', processors: [] });
    expect(ingestPipelines.withMarker(o)).toEqual({ description: 'Last step [jpcert-apt-log-pack feedface00feedface00]', processors: [] });
    expect(o.body.description).toBe('Last step');
  });

  it('ingest pipelines: a missing description becomes just the tag', () => {
    expect(ingestPipelines.withMarker(object('ingest_pipeline', { processors: [] }))).toEqual({ description: ' [jpcert-apt-log-pack feedface00feedface00]', processors: [] });
  });
});

describe('KINDS', () => {
  it('orders component templates, pipelines, index templates', () => {
    expect(KINDS.map((k) => [k.kind, k.order])).toEqual([
      ['component_template', 0],
      ['ingest_pipeline', 1],
      ['index_template', 2],
    ]);
  });

  it('builds encoded paths', () => {
    expect(componentTemplates.path('jpcert-settings')).toBe('/_component_template/jpcert-settings');
    expect(ingestPipelines.path('a/b c')).toBe('/_ingest/pipeline/a%2Fb%20c');
    expect(indexTemplates.path('jpcert-logs')).toBe('/_index_template/jpcert-logs');
  });

  it('kindOf finds each kind', () => {
    expect(kindOf('ingest_pipeline')).toBe(ingestPipelines);
    expect(() => kindOf('nope' as never)).toThrow('no object kind nope');
  });
});
