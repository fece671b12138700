/**
 * Renders dashboard pages with eta, escaping every interpolation (autoEscape, escapeForPage). Templates are
 * TypeScript strings so they ship inside dist/ with the code that fills them.
 */
import { Eta } from 'eta';
import { neutralise } from '../../core/text.js';
import { audit } from './audit.js';
import { device } from './device.js';
import { devices } from './devices.js';
import { layout, login, problem } from './layout.js';
import { overview } from './overview.js';
import { users } from './users.js';

export { stylesheet } from './style.js';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escapes, and first makes NUL, controls and bidi overrides visible (core/text neutralise),
 * so a device name cannot reverse or hide the text around it. */
function escapeForPage(value: unknown): string {
  return neutralise(String(value)).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const eta = new Eta({
  autoEscape: true,
  escapeFunction: escapeForPage,
  autoTrim: false,
  cache: true,
  useWith: false,
});
const pages = { overview, devices, device, login, problem, audit, users } as const;
eta.loadTemplate('@layout', layout);
for (const [name, text] of Object.entries(pages)) eta.loadTemplate(`@${name}`, text);

export type PageName = keyof typeof pages;

export interface Frame {
  readonly title: string;
  readonly user: string | null;
  readonly csrf: string | null;
  /** Show the Users link (admin over every site). */
  readonly admin?: boolean;
}

export function renderPage(name: PageName, frame: Frame, data: object): string {
  const body = eta.render(`@${name}`, { ...data, csrf: frame.csrf });
  return eta.render('@layout', { ...frame, body });
}
