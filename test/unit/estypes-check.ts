import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Static check of JSON objects against the Elasticsearch specification types (`estypes` of
 * @elastic/elasticsearch): each object becomes one in-memory TypeScript file that assigns
 * the object, as a literal, to a variable of the request body's type. A literal assigned to
 * a typed variable gets TypeScript's excess-property checks, so an option or processor that
 * the specification does not know is an error, as is a value of the wrong type. All files
 * go into one program, checked once.
 */

/** What each object is checked as: the body fields of the matching estypes request. */
export type BodyType = keyof typeof BODY_TYPES;

/**
 * The body types, declared in a module the generated files import. Only body fields are
 * picked: path and query-string parameters (name, master_timeout, create, ...) are not part
 * of what the pack sends.
 */
const BODY_TYPES = {
  pipeline: 'Pick<T.IngestPutPipelineRequest, "_meta" | "description" | "on_failure" | "processors" | "version" | "deprecated" | "field_access_pattern">',
  componentTemplate: 'Pick<T.ClusterPutComponentTemplateRequest, "version" | "_meta" | "deprecated"> & { template: KnownSettingsIn<T.ClusterPutComponentTemplateRequest["template"]> }',
  indexTemplate:
    'Pick<T.IndicesPutIndexTemplateRequest, "index_patterns" | "composed_of" | "data_stream" | "priority" | "version" | "_meta" | "allow_auto_create" | "ignore_missing_component_templates" | "deprecated"> & { template?: KnownSettingsIn<NonNullable<T.IndicesPutIndexTemplateRequest["template"]>> }',
  watch: 'Watch',
  /** the watch body exactly as the specification types it, to show the gap below is still there */
  watchAsSpecified: 'WatchFields',
  query: 'T.QueryDslQueryContainer',
  ilmPolicy: 'Pick<T.IlmPutLifecycleRequest, "policy">',
  slmPolicy: 'Pick<T.SlmPutLifecycleRequest, "config" | "name" | "repository" | "retention" | "schedule">',
  role: 'Pick<T.SecurityPutRoleRequest, "applications" | "cluster" | "global" | "indices" | "remote_indices" | "remote_cluster" | "metadata" | "run_as" | "description" | "transient_metadata">',
} as const;

/**
 * Index settings: the specification leaves them open (`IndicesIndexSettings` has an index
 * signature), since Elasticsearch takes any setting a plugin registers, so an OpenSearch-only
 * setting (`index.knn`, `index.plugins.*`) would pass. The check narrows them to the keys the
 * specification names (`IndicesIndexSettingsKeys`), written nested (`settings.index.x`, not
 * `"index.x"`): stricter than Elasticsearch, on purpose. A setting Elasticsearch has that
 * the specification does not name would have to be added here.
 *
 * Specification gaps, handled by widening one type rather than by dropping messages:
 *
 * - Watcher search input: the specification types `input.search.request.body` as
 *   `WatcherSearchInputRequestBody`, which has `query` only, while Elasticsearch takes a
 *   whole search request body there (size, aggs, sort, ...: "the body of the search request",
 *   Watcher search input reference). The check types that body as the search API's body
 *   fields (`SearchRequest`), so `size`, `aggs` and `sort` are still checked, against the
 *   search API's own types.
 */
const PRELUDE = `
// the module that @elastic/elasticsearch exports as \`estypes\`, imported directly: the package's
// main typings would also pull in the client, its transport and @types/node
import type * as T from '@elastic/elasticsearch/lib/api/types';
type SearchBody = Pick<T.SearchRequest,
  | 'aggregations' | 'aggs' | 'collapse' | 'explain' | 'ext' | 'from' | 'highlight' | 'track_total_hits'
  | 'indices_boost' | 'docvalue_fields' | 'knn' | 'rank' | 'min_score' | 'post_filter' | 'profile' | 'query'
  | 'rescore' | 'retriever' | 'script_fields' | 'search_after' | 'size' | 'slice' | 'sort' | '_source'
  | 'fields' | 'suggest' | 'terminate_after' | 'timeout' | 'track_scores' | 'version' | 'seq_no_primary_term'
  | 'stored_fields' | 'pit' | 'runtime_mappings' | 'stats'>;
type KnownIndexSettings = Omit<T.IndicesIndexSettingsKeys, 'index' | 'settings'>;
type KnownSettings = KnownIndexSettings & { index?: KnownIndexSettings };
type KnownSettingsIn<M> = Omit<M, 'settings'> & { settings?: KnownSettings };
type SearchInputRequest = Omit<T.WatcherSearchInputRequestDefinition, 'body'> & { body?: SearchBody };
type SearchInput = Omit<T.WatcherSearchInput, 'request'> & { request: SearchInputRequest };
// as the specification's own (unexported) ExactlyOne: one input kind per container
type ExactlyOne<U> = { [K in keyof U]: { [P in K]: U[P] } & { [P in Exclude<keyof U, K>]?: never } }[keyof U];
// (the input kinds as listed by WatcherInputContainerExclusiveProps, which is not exported)
type WatchInput = ExactlyOne<{ chain: T.WatcherChainInput; http: T.WatcherHttpInput; search: SearchInput; simple: Record<string, any> }>;
type WatchFields = Pick<T.WatcherPutWatchRequest, 'actions' | 'condition' | 'input' | 'metadata' | 'throttle_period' | 'throttle_period_in_millis' | 'transform' | 'trigger'>;
export type Watch = Omit<WatchFields, 'input'> & { input?: WatchInput };
${Object.entries(BODY_TYPES)
  .map(([k, t]) => `export type ${k} = ${t};`)
  .join('\n')}
`;

export interface CheckItem {
  /** names the object in messages, e.g. `ingest_pipeline jpcert-squid (pipelines/squid/default.yml)` */
  label: string;
  type: BodyType;
  value: unknown;
}

export interface Finding {
  label: string;
  /** JSON path of the offending node in the object, e.g. `processors[3].grok.patterns` */
  path: string;
  message: string;
}

/** Where `path` points in `value`: `processors[3].grok`, `$` for the object itself. */
function jsonPath(node: ts.Node, root: ts.Node): string {
  const parts: string[] = [];
  let cur: ts.Node | undefined = node;
  while (cur && cur !== root) {
    const parent: ts.Node | undefined = cur.parent;
    if (parent && ts.isPropertyAssignment(parent)) {
      const name = parent.name;
      const key = ts.isStringLiteral(name) || ts.isIdentifier(name) || ts.isNumericLiteral(name) ? name.text : name.getText();
      if (cur === parent.initializer || cur === parent.name) parts.unshift(/^[A-Za-z_$@][\w$@]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
    } else if (parent && ts.isArrayLiteralExpression(parent)) {
      parts.unshift(`[${parent.elements.indexOf(cur as ts.Expression)}]`);
    }
    cur = parent;
  }
  const p = parts.join('');
  return p === '' ? '$' : p.replace(/^\./, '');
}

function innermost(sf: ts.SourceFile, pos: number): ts.Node {
  let found: ts.Node = sf;
  const visit = (n: ts.Node): void => {
    if (pos >= n.getStart(sf) && pos < n.getEnd()) {
      found = n;
      ts.forEachChild(n, visit);
    }
  };
  ts.forEachChild(sf, visit);
  return found;
}

/**
 * Type-checks every item in one program and returns one finding per compiler diagnostic.
 * `root` is where node_modules (with @elastic/elasticsearch and typescript's lib files) is
 * resolved from.
 */
export function checkAgainstEstypes(items: CheckItem[], root: string): Finding[] {
  const dir = path.join(root, '.estypes-check');
  const files = new Map<string, string>();
  files.set(path.join(dir, 'bodies.ts'), PRELUDE);
  // objects that are the same JSON checked as the same type (a saved search's query is the
  // rule's query; most objects are the same under two profiles) share one file
  const byFile = new Map<string, string[]>();
  const fileOf = new Map<string, string>();
  for (const item of items) {
    const text = `import type * as B from './bodies';\nexport const value: B.${item.type} = ${JSON.stringify(item.value, null, 1)};\n`;
    let file = fileOf.get(text);
    if (!file) {
      file = path.join(dir, `object${fileOf.size}.ts`);
      fileOf.set(text, file);
      files.set(file, text);
      byFile.set(file, []);
    }
    byFile.get(file)!.push(item.label);
  }

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = files.get(path.resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => files.has(path.resolve(fileName)) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => files.get(path.resolve(fileName)) ?? readFile(fileName);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => path.resolve(d) === dir || (directoryExists ? directoryExists(d) : true);
  host.getCurrentDirectory = () => root;

  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()];
  return diagnostics.flatMap((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const labels = d.file ? byFile.get(path.resolve(d.file.fileName)) : undefined;
    if (!labels || !d.file || d.start === undefined) {
      // a problem of the check itself (prelude, options, resolution): never an object's fault
      return [{ label: d.file ? `(check) ${path.basename(d.file.fileName)}` : '(check)', path: '$', message }];
    }
    const decl = d.file.statements.find(ts.isVariableStatement)?.declarationList.declarations[0]?.initializer;
    const at = decl ? jsonPath(innermost(d.file, d.start), decl) : '$';
    return labels.map((label) => ({ label, path: at, message }));
  });
}

/** The installed @elastic/elasticsearch version, for messages. */
export function estypesVersion(root: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules/@elastic/elasticsearch/package.json'), 'utf8')) as { version: string }).version;
}
