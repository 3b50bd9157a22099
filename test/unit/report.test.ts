import type { PlanEntry } from '../../src/deploy/plan.js';
import { planSummary, planTable } from '../../src/deploy/report.js';

const plan: PlanEntry[] = [
  { kind: 'component_template', name: 'jpcert-settings', action: 'create' },
  { kind: 'ingest_pipeline', name: 'jpcert-common-final', action: 'update', detail: '0123456789abcdef0123 -> fedcba9876543210fedc' },
  { kind: 'index_template', name: 'jpcert-logs', action: 'unchanged' },
];

describe('planTable', () => {
  it('aligns a 3-row plan in columns, without trailing blanks', () => {
    expect(planTable(plan)).toBe(
      [
        'ACTION     KIND                NAME                 DETAIL',
        'create     component_template  jpcert-settings',
        'update     ingest_pipeline     jpcert-common-final  0123456789abcdef0123 -> fedcba9876543210fedc',
        'unchanged  index_template      jpcert-logs',
      ].join('\n'),
    );
  });

  it('uses the header widths when cells are shorter', () => {
    expect(planTable([{ kind: 'index_template', name: 'x', action: 'delete', detail: 'gone' }])).toBe(
      ['ACTION  KIND            NAME  DETAIL', 'delete  index_template  x     gone'].join('\n'),
    );
  });

  it('prints only the header for an empty plan', () => {
    expect(planTable([])).toBe('ACTION  KIND  NAME  DETAIL');
  });
});

describe('planSummary', () => {
  it('counts changes and each action', () => {
    expect(planSummary(plan)).toBe('2 change(s): 1 to create, 1 to update, 0 to delete, 1 unchanged');
  });

  it('counts deletes as changes', () => {
    expect(planSummary([...plan, { kind: 'index_template', name: 'old', action: 'delete' }])).toBe('3 change(s): 1 to create, 1 to update, 1 to delete, 1 unchanged');
  });

  it('says 0 change(s) for an all-unchanged plan', () => {
    expect(planSummary([{ kind: 'index_template', name: 'a', action: 'unchanged' }])).toBe('0 change(s): 0 to create, 0 to update, 0 to delete, 1 unchanged');
  });
});
