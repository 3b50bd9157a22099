import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { PACK_ROOT } from '../../src/paths.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import type { SavedObject } from '../../src/rules/render/saved-objects.js';
import { RejectedObjectError } from '../../src/errors.js';
import { packTag, planUiObjects, pruneUiSearches, toImport, uiObjects, uiPlanLines, type UiObject } from '../../src/ui/plan.js';
import { FIND_PACK_SEARCHES } from '../../src/ui/saved-objects-api.js';
import { engineMismatchNote } from '../../src/ui/deploy.js';
import { savedSearchNote } from '../../src/deploy/rules.js';

/** The diff that decides what a deploy sends to Kibana / Dashboards, without either. */

const pattern: SavedObject = { type: 'index-pattern', id: 'jpcert-logs-jpcert.postfix-', attributes: { title: 'logs-jpcert.postfix-*', timeFieldName: '@timestamp' }, references: [] };
const search = (hash: string): SavedObject => ({
  type: 'search',
  id: '0b8f4c52-1111-4c1e-9a57-0c7d7d1f2a10',
  attributes: { title: '[MAIL-1] 件名 / Subject', description: `日本語\n\nEnglish\n\n(jpcert-apt-log-pack ${hash})` },
  references: [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: pattern.id }],
});
const desired: UiObject[] = [
  { kind: 'index pattern', name: 'logs-jpcert.postfix-*', object: pattern },
  { kind: 'saved search', name: 'MAIL-1', object: search('aaaa1111') },
];
const notFound = (o: SavedObject) => ({ type: o.type, id: o.id, error: { statusCode: 404, error: 'Not Found', message: `Saved object [${o.type}/${o.id}] not found` } });

describe('packTag', () => {
  it('reads the hash at the end of a description the pack wrote', () => {
    expect(packTag('a\n\nb\n\n(jpcert-apt-log-pack 0123abcd)')).toBe('0123abcd');
    expect(packTag('(jpcert-apt-log-pack 0123abcd)\n')).toBe('0123abcd');
  });
  it('is undefined for a description someone else wrote, or none', () => {
    expect(packTag('my own search')).toBeUndefined();
    expect(packTag('(jpcert-apt-log-pack 0123abcd) edited after')).toBeUndefined();
    expect(packTag(undefined)).toBeUndefined();
  });
});

describe('planUiObjects', () => {
  it('creates what is missing (404 in its place, or not answered at all)', () => {
    const plan = planUiObjects(desired, [notFound(pattern)], 'Kibana');
    expect(plan.map((e) => [e.action, e.kind, e.name])).toEqual([
      ['create', 'index pattern', 'logs-jpcert.postfix-*'],
      ['create', 'saved search', 'MAIL-1'],
    ]);
  });

  it('leaves alone what is stored with the same hash and title, whatever fields the UI added', () => {
    const stored = [
      { ...pattern, attributes: { ...pattern.attributes, fields: '[]', fieldFormatMap: '{}', allowNoIndex: false }, version: 'WzEsMV0=' },
      { ...search('aaaa1111'), attributes: { ...search('aaaa1111').attributes, columns: ['x'] } },
    ];
    expect(planUiObjects(desired, stored, 'Kibana').map((e) => e.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('updates a search whose hash differs, saying from what to what', () => {
    const [, s] = planUiObjects(desired, [pattern, search('bbbb2222')], 'Kibana');
    expect(s).toMatchObject({ action: 'update', detail: 'bbbb2222 -> aaaa1111' });
  });

  it('takes over a search with the same id that the pack did not write', () => {
    const mine = search('aaaa1111');
    const [, s] = planUiObjects(desired, [pattern, { ...mine, attributes: { ...mine.attributes, description: 'edited by hand' } }], 'Kibana');
    expect(s).toMatchObject({ action: 'update', detail: 'exists, not installed by this pack: taken over' });
  });

  it('updates an index pattern whose title or time field differs', () => {
    const [p] = planUiObjects(desired, [{ ...pattern, attributes: { title: 'logs-jpcert.postfix-*', timeFieldName: 'event.created' } }], 'Kibana');
    expect(p).toMatchObject({ action: 'update', detail: 'timeFieldName differs' });
  });

  it('matches by type and id, not by position', () => {
    expect(planUiObjects(desired, [search('aaaa1111'), pattern], 'Kibana').map((e) => e.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('stops on any other error in an object\'s place, naming the object', () => {
    const stored = [pattern, { type: 'search', id: search('x').id, error: { statusCode: 403, message: 'Unable to bulk_get search' } }];
    expect(() => planUiObjects(desired, stored, 'OpenSearch Dashboards')).toThrow(RejectedObjectError);
    expect(() => planUiObjects(desired, stored, 'OpenSearch Dashboards')).toThrow(
      `OpenSearch Dashboards could not read saved search MAIL-1 (search ${search('x').id}): Unable to bulk_get search`,
    );
  });
});

describe('toImport and the plan lines', () => {
  it('sends only what changed, index patterns first', () => {
    const plan = planUiObjects([desired[1]!, desired[0]!], [notFound(pattern), search('cccc3333')], 'Kibana');
    expect(toImport(plan).map((o) => o.type)).toEqual(['index-pattern', 'search']);
    expect(toImport(planUiObjects(desired, [pattern, search('aaaa1111')], 'Kibana'))).toEqual([]);
  });

  it('prints one line per object in the rules\' format', () => {
    const plan = planUiObjects(desired, [pattern, search('bbbb0000')], 'Kibana');
    expect(uiPlanLines(plan)).toBe(['  unchanged  index pattern  logs-jpcert.postfix-*', '  update     saved search   MAIL-1  (bbbb0000 -> aaaa1111)'].join('\n'));
  });
});

describe('pruneUiSearches (--prune)', () => {
  const gone = { ...search('dddd4444'), id: 'f00dbabe-0000-4000-8000-000000000001', attributes: { title: '[OLD-1] 廃止 / Retired', description: 'x\n\n(jpcert-apt-log-pack dddd4444)' } };
  const mine = { type: 'search', id: 'a1b2c3d4-0000-4000-8000-000000000002', attributes: { title: 'my own search', description: 'mentions jpcert-apt-log-pack in passing' } };

  it('deletes only the pack\'s searches the pack no longer has', () => {
    const plan = pruneUiSearches(desired, [search('aaaa1111'), gone, mine]);
    expect(plan.map((e) => [e.action, e.kind, e.name, e.object.id])).toEqual([['delete', 'saved search', '[OLD-1] 廃止 / Retired', gone.id]]);
    expect(uiPlanLines(plan)).toBe('  delete     saved search   [OLD-1] 廃止 / Retired');
  });

  it('sends nothing to import for a delete', () => {
    expect(toImport(pruneUiSearches(desired, [gone]))).toEqual([]);
  });

  it('looks the searches up by the tag in their description', () => {
    const url = new URL(`http://x${FIND_PACK_SEARCHES}`);
    expect(Object.fromEntries([...url.searchParams.entries()].filter(([k]) => k !== 'fields'))).toEqual({ type: 'search', search_fields: 'description', search: '"jpcert-apt-log-pack"', per_page: '1000' });
    expect(url.pathname).toBe('/api/saved_objects/_find');
  });
});

describe('the pack\'s own saved objects', () => {
  const compiled = compileRules(loadRules(PACK_ROOT), DEFAULT_PROFILE);

  it.each(['kibana', 'dashboards'] as const)('%s: one saved search per rule, named by its check, then the operational ones by title, after the index patterns', (flavor) => {
    const objects = uiObjects(compiled, flavor);
    const searches = objects.filter((o) => o.kind === 'saved search');
    const operational = flavor === 'kibana' ? ['[jpcert] 取り込みエラー / Pipeline failures', '[jpcert] アラート / Alerts'] : ['[jpcert] 取り込みエラー / Pipeline failures'];
    expect(searches.map((o) => o.name)).toEqual([...compiled.rules.map((r) => r.resolved.rule.check), ...operational]);
    const firstSearch = objects.findIndex((o) => o.kind === 'saved search');
    expect(objects.slice(firstSearch).every((o) => o.kind === 'saved search')).toBe(true);
    for (const p of objects.slice(0, firstSearch)) expect(p.name).toBe(p.object.attributes.title);
  });

  it.each(['kibana', 'dashboards'] as const)('%s: a second deploy (the same objects stored) changes nothing', (flavor) => {
    const objects = uiObjects(compiled, flavor);
    const first = planUiObjects(objects, objects.map((o) => notFound(o.object)), 'x');
    expect(first.every((e) => e.action === 'create')).toBe(true);
    // what the first deploy imported is what the second reads back
    const second = planUiObjects(objects, toImport(first), 'x');
    expect(second.every((e) => e.action === 'unchanged')).toBe(true);
    expect(toImport(second)).toEqual([]);
  });

  it('a changed rule changes exactly its saved search', () => {
    const objects = uiObjects(compiled, 'kibana');
    const stored = objects.map((o) => o.object);
    const mail = objects.find((o) => o.kind === 'saved search')!;
    const idx = stored.findIndex((o) => o.id === mail.object.id);
    stored[idx] = { ...stored[idx]!, attributes: { ...stored[idx]!.attributes, description: '(jpcert-apt-log-pack 00000000000000000000)' } };
    const plan = planUiObjects(objects, stored, 'Kibana');
    expect(plan.filter((e) => e.action !== 'unchanged').map((e) => e.name)).toEqual([mail.name]);
  });
});

describe('engineMismatchNote', () => {
  it('is quiet for Kibana on Elasticsearch and Dashboards on OpenSearch', () => {
    expect(engineMismatchNote('kibana', 'elasticsearch')).toBeUndefined();
    expect(engineMismatchNote('dashboards', 'opensearch')).toBeUndefined();
  });
  it('says why a mix finds nothing', () => {
    expect(engineMismatchNote('kibana', 'opensearch')).toBe("Kibana reads Elasticsearch only, and the cluster is OpenSearch: its saved searches find events only where Kibana's own cluster has the same indices");
  });
});

describe('savedSearchNote', () => {
  it('without --kibana / --dashboards: where the files are and how to import them', () => {
    expect(savedSearchNote('/p/build/rules', false, [])).toBe(
      'saved searches for Kibana and OpenSearch Dashboards: /p/build/rules/kibana.ndjson and dashboards.ndjson (import them in Stack Management / Dashboards Management > Saved objects, or deploy with --kibana / --dashboards)',
    );
  });
  it('with them: the files are still written, and who got the objects', () => {
    expect(savedSearchNote('/p/build/rules', false, ['kibana'])).toBe('saved searches for Kibana and OpenSearch Dashboards: /p/build/rules/kibana.ndjson and dashboards.ndjson; Kibana gets them through its API below');
    expect(savedSearchNote('/p/build/rules', true, ['kibana', 'dashboards'])).toMatch(/^\(dry run: nothing written\) .*; Kibana and OpenSearch Dashboards get them through their APIs below$/);
  });
});
