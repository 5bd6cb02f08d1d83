/** The in-process lock keeps the lock contract. */
import { describe } from 'vitest';
import { memoryLock } from '../../../src/bff/index.js';
import { lockContract } from '../../support/lock-contract.js';

describe('memoryLock', () => {
  lockContract(({ wait }) => memoryLock({ wait }));
});
