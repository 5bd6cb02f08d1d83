/** Issue #5's locked refresh, three BFF processes on Redis: see test/support/bff-fleet.ts. */
import { bffFleetSuite } from '../support/bff-fleet.js';

bffFleetSuite('redis');
