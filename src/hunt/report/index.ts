import type { HuntResult } from '../findings.js';

/**
 * Placeholder until the report renderers (Markdown and HTML) are merged: another branch
 * writes this module, with this signature.
 */
export function renderReport(_result: HuntResult, format: 'markdown' | 'html'): string {
  throw new Error(`the ${format} report is not yet available in this version`);
}
