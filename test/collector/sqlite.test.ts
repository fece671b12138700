import { afterAll } from 'vitest';
import { tempDir } from './harness.js';
import { ingestSuite } from './ingest-suite.js';
import { collectorSuite } from './suite.js';

const dir = tempDir('camsweep-collector-');
let n = 0;
afterAll(() => dir.remove());
const backend = { location: async () => `${dir.path}/collector-${++n}.db` };
collectorSuite('SQLite', backend, null);
ingestSuite('SQLite', backend);
