/**
 * Config sections declared by modules outside the core (push client, daemon). One line per
 * section; agent/config.ts merges them with the core sections and the probes' sections.
 */
import type { ConfigSpec } from '../src/core/config-spec.js';
import { agentConfigSpec } from '../src/daemon/config.js';
import { pushConfigSpec } from '../src/push/config.js';

export const configSections: Record<string, ConfigSpec> = {
  agent: agentConfigSpec,
  push: pushConfigSpec,
};
