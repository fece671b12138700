import type { Report } from '../../contract/types.js';
import { renderCsv } from './csv.js';
import { renderTable } from './table.js';

export type ReportFormat = 'table' | 'json' | 'csv';

export function renderReport(report: Report, format: ReportFormat, options: { colour: boolean }): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return renderCsv(report);
    case 'table':
      return renderTable(report, options);
  }
}
