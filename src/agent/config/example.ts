/** Prints the documented example config generated from the schema (see src/agent/config/config.ts). */
import { renderExampleConfig } from './config.js';

process.stdout.write(renderExampleConfig());
