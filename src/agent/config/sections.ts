/**
 * Config sections declared by modules outside the core (push client, daemon). One line per
 * section; src/agent/config/config.ts merges them with the core sections and the probes' sections.
 */
import type { ConfigSpec } from '../../core/config-spec.js';
import { agentConfigSpec } from '../daemon/config.js';
import { pushConfigSpec } from '../push/config.js';

export const configSections: Record<string, ConfigSpec> = {
  agent: agentConfigSpec,
  push: pushConfigSpec,
};
