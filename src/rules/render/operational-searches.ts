import { PACK_ID } from '../../content/load.js';
import type { Profile } from '../../content/profile.js';
import type { Flavor, SearchSpec } from './saved-objects.js';
import { ALERTS_INDEX } from './watch.js';

/**
 * Two saved searches that belong to no check but that the SOC needs every day: the log lines
 * the pipelines could not parse (kept in their data stream with event.kind: pipeline_error,
 * the raw line and the reason), and (Kibana only) the alerts the watches wrote. Fixed UUIDs (v5 of the
 * pack's name and the search's), so a deploy updates them in place.
 */
/** `only`: the UIs the search is for (default both). */
export function operationalSearches(profile: Profile, contentHash: string): Array<SearchSpec & { only?: Flavor }> {
  const tag = `(${PACK_ID} ${contentHash})`;
  return [
    {
      id: 'e08f079c-5513-5066-8456-2822cb6b1548',
      title: '[jpcert] 取り込みエラー / Pipeline failures',
      description: `パイプラインが解析できなかったログ行。行そのもの (event.original) と理由 (error.message) を確認し、ログ形式やパイプラインを見直してください。\n\nLog lines the pipelines could not parse, kept with the raw line (event.original) and the reason (error.message). Fix the source's log format or report the line.\n\n${tag}`,
      label: 'event.kind: pipeline_error',
      indices: [`${profile.indices.prefix}-jpcert.*-*`],
      query: { term: { 'event.kind': 'pipeline_error' } },
      columns: ['event.dataset', 'error.message', 'event.original'],
    },
    {
      id: 'd4314d1b-8f0d-52c2-835b-b2c552aa3597',
      title: '[jpcert] アラート / Alerts',
      description: `Watcher のウォッチが書いたアラート。link_back.query を該当ルールの保存済み検索に貼り付けると元のイベントが表示されます。\n\nAlerts written by the Watcher watches. Paste link_back.query into the rule's saved search (link_back.saved_search_id) over link_back.from .. link_back.to to see the events behind an alert.\n\n${tag}`,
      label: 'jpcert alerts',
      indices: [ALERTS_INDEX],
      query: { exists: { field: 'rule.check' } },
      columns: ['rule.check', 'severity', 'summary', 'link_back.query'],
      // only Watcher writes this index; OpenSearch's alerts are Alerting's own
      only: 'kibana',
    },
  ];
}
