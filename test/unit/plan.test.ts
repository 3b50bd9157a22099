import type { DesiredObject, ObjectKindName } from '../../src/content/load.js';
import { changes, makePlan, orphans, summarize, type PlanEntry, type RemoteState } from '../../src/deploy/plan.js';

function desired(kind: ObjectKindName, name: string, hash: string): DesiredObject {
  return { kind, name, body: { name }, hash, source: `${name}.yml` };
}

const settings = desired('component_template', 'jpcert-settings', 'aaaa');
const ecs = desired('component_template', 'jpcert-ecs-base', 'bbbb');
const final = desired('ingest_pipeline', 'jpcert-common-final', 'cccc');
const logs = desired('index_template', 'jpcert-logs', 'dddd');

describe('makePlan', () => {
  it('creates what the cluster does not have', () => {
    expect(makePlan([settings], [], { prune: false })).toEqual([{ kind: 'component_template', name: 'jpcert-settings', action: 'create', desired: settings }]);
  });

  it('leaves objects with the same hash unchanged', () => {
    expect(makePlan([settings], [{ kind: 'component_template', name: 'jpcert-settings', hash: 'aaaa' }], { prune: false })).toEqual([
      { kind: 'component_template', name: 'jpcert-settings', action: 'unchanged', desired: settings },
    ]);
  });

  it('updates an object of ours whose hash differs, saying old -> new', () => {
    expect(makePlan([settings], [{ kind: 'component_template', name: 'jpcert-settings', hash: '1111' }], { prune: false })).toEqual([
      { kind: 'component_template', name: 'jpcert-settings', action: 'update', detail: '1111 -> aaaa', desired: settings },
    ]);
  });

  it('takes over an existing object that carries no hash of ours', () => {
    expect(makePlan([final], [{ kind: 'ingest_pipeline', name: 'jpcert-common-final' }], { prune: false })).toEqual([
      { kind: 'ingest_pipeline', name: 'jpcert-common-final', action: 'update', detail: 'exists, not installed by this pack: taken over', desired: final },
    ]);
  });

  it('matches on kind and name together', () => {
    // same name, different kind: still a create
    const plan = makePlan([final], [{ kind: 'component_template', name: 'jpcert-common-final', hash: 'cccc' }], { prune: false });
    expect(plan.map((e) => e.action)).toEqual(['create']);
  });

  const remote: RemoteState[] = [
    { kind: 'component_template', name: 'jpcert-settings', hash: 'aaaa' },
    { kind: 'ingest_pipeline', name: 'jpcert-old', hash: 'eeee' },
    { kind: 'index_template', name: 'someone-elses' },
  ];

  it('does not delete anything without prune', () => {
    expect(makePlan([settings], remote, { prune: false })).toEqual([{ kind: 'component_template', name: 'jpcert-settings', action: 'unchanged', desired: settings }]);
  });

  it('with prune, deletes only objects that carry our hash and are no longer in the pack', () => {
    expect(makePlan([settings], remote, { prune: true })).toEqual([
      { kind: 'component_template', name: 'jpcert-settings', action: 'unchanged', desired: settings },
      { kind: 'ingest_pipeline', name: 'jpcert-old', action: 'delete', detail: 'no longer in the pack' },
    ]);
  });

  it('with prune, never deletes an object that is still wanted', () => {
    const plan = makePlan([settings], [{ kind: 'component_template', name: 'jpcert-settings', hash: 'old0' }], { prune: true });
    expect(plan.map((e) => e.action)).toEqual(['update']);
  });

  it('keeps the order of the desired objects, deletes last', () => {
    const plan = makePlan([settings, ecs, final, logs], [{ kind: 'index_template', name: 'jpcert-gone', hash: 'ffff' }, { kind: 'component_template', name: 'jpcert-ecs-base', hash: 'bbbb' }], { prune: true });
    expect(plan.map((e) => `${e.action} ${e.name}`)).toEqual(['create jpcert-settings', 'unchanged jpcert-ecs-base', 'create jpcert-common-final', 'create jpcert-logs', 'delete jpcert-gone']);
  });
});

describe('summarize and changes', () => {
  const plan: PlanEntry[] = [
    { kind: 'component_template', name: 'a', action: 'create' },
    { kind: 'component_template', name: 'b', action: 'create' },
    { kind: 'ingest_pipeline', name: 'c', action: 'update', detail: 'x -> y' },
    { kind: 'index_template', name: 'd', action: 'unchanged' },
    { kind: 'index_template', name: 'e', action: 'unchanged' },
    { kind: 'index_template', name: 'f', action: 'unchanged' },
    { kind: 'ingest_pipeline', name: 'g', action: 'delete' },
  ];

  it('counts every action', () => {
    expect(summarize(plan)).toEqual({ create: 2, update: 1, unchanged: 3, delete: 1 });
  });

  it('counts zeros for an empty plan', () => {
    expect(summarize([])).toEqual({ create: 0, update: 0, unchanged: 0, delete: 0 });
    expect(changes([])).toBe(0);
  });

  it('changes counts everything but unchanged', () => {
    expect(changes(plan)).toBe(4);
  });
});

describe('orphans', () => {
  it('lists objects of ours that the pack no longer has, and nothing else', () => {
    const remote: RemoteState[] = [
      { kind: 'component_template', name: 'jpcert-settings', hash: 'aaaa' },
      { kind: 'ingest_pipeline', name: 'jpcert-old', hash: 'eeee' },
      { kind: 'index_template', name: 'someone-elses' },
      { kind: 'index_template', name: 'jpcert-settings', hash: '9999' },
    ];
    expect(orphans([settings], remote)).toEqual([
      { kind: 'ingest_pipeline', name: 'jpcert-old', hash: 'eeee' },
      { kind: 'index_template', name: 'jpcert-settings', hash: '9999' },
    ]);
  });

  it('is empty when everything remote is wanted', () => {
    expect(orphans([settings, logs], [{ kind: 'component_template', name: 'jpcert-settings', hash: 'x' }, { kind: 'index_template', name: 'jpcert-logs', hash: 'y' }])).toEqual([]);
  });
});
