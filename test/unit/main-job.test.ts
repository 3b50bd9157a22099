import path from 'node:path';
import { DEMO, huntSummary, mainJobInputs, stamp } from '../../src/hunt/main-job.js';
import { PACK_ROOT } from '../../src/paths.js';
import { HUNT_RESULT } from './fixtures/hunt-result.js';

describe('npm start\'s main job, offline parts', () => {
  it('takes the demo (logs, profile, indicators) without --logs, and only what is given with it', () => {
    expect(mainJobInputs({})).toEqual({ logs: path.join(PACK_ROOT, 'demo', 'logs'), profile: path.join(PACK_ROOT, 'demo', 'profile.yml'), ioc: path.join(PACK_ROOT, 'demo', 'indicators.txt'), demo: true });
    expect(mainJobInputs({ profile: 'site.yml' })).toEqual({ ...DEMO, profile: 'site.yml', demo: true });
    expect(mainJobInputs({ logs: '/var/log/archive' })).toEqual({ logs: '/var/log/archive', demo: false });
    expect(mainJobInputs({ logs: 'x', profile: 'p.yml', ioc: 'i.txt' })).toEqual({ logs: 'x', profile: 'p.yml', ioc: 'i.txt', demo: false });
  });

  it('names reports by the hunt time', () => {
    expect(stamp('2026-12-03T14:26:23.456Z')).toBe('20261203-142623');
  });

  it('summarises the hunt in one line per check with hits or an error, in the site\'s zone', () => {
    expect(huntSummary(HUNT_RESULT, 'Asia/Tokyo')).toEqual([
      'hunt 2026-03-02 09:00:00 +09:00 - 2026-03-06 09:00:00 +09:00: 4 checks run, 2 with hits (2.3 s)',
      '  MAIL-2       2  high      2026-03-02 10:15:04 +09:00 .. 2026-03-04 08:59:59 +09:00  実行ファイルが添付されたメール',
      '  AD-4        31  medium    2026-03-05 01:00:00 +09:00 .. 2026-03-05 01:07:30 +09:00  特定ホストからの大量の認証イベント',
      // a failed check has no times: the column stays as wide as the others' (56)
      `  G2       error  low       ${' '.repeat(56)}  search failed: index_not_found_exception <logs-jpcert.netscreen-*>`,
    ]);
  });
});
