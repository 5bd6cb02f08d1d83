/** Issue #5's locked refresh, three BFF processes on Postgres: see test/support/bff-fleet.ts. */
import { bffFleetSuite } from '../support/bff-fleet.js';

bffFleetSuite('postgres');
