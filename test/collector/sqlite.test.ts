import { afterAll } from 'vitest';
import { tempDir } from './harness.js';
import { collectorSuite } from './suite.js';

const dir = tempDir('camsweep-collector-');
let n = 0;
afterAll(() => dir.remove());
collectorSuite('SQLite', { location: async () => `${dir.path}/collector-${++n}.db` }, null);
