import type { HuntResult } from '../findings.js';
import type { ReportOptions } from './common.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

export type ReportFormat = 'markdown' | 'html';

/** The hunt's result as a report to attach to an incident ticket: Markdown, or one self-contained HTML file. */
export function renderReport(result: HuntResult, format: ReportFormat, options: ReportOptions = {}): string {
  switch (format) {
    case 'markdown':
      return renderMarkdown(result, options);
    case 'html':
      return renderHtml(result, options);
  }
}

export { renderHtml, renderMarkdown };
export type { ReportOptions };
