/** The in-memory store keeps the store contract. */
import { describe } from 'vitest';
import { memoryStore } from '../../../src/bff/index.js';
import { storeContract } from '../../support/store-contract.js';

describe('memoryStore', () => {
  storeContract((clock) => memoryStore({ clock }));
});
