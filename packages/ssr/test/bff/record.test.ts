/** Reading a session record back from a store: anything not a record is treated as absent. */
import { describe, expect, it } from 'vitest';
import { toRecord } from '../../src/bff/record.js';
import { record } from '../support/records.js';

describe('toRecord', () => {
  it('reads a record from JSON text or an object (jsonb comes back parsed)', () => {
    const value = record(1_000_000);
    expect(toRecord(JSON.stringify(value))).toEqual(value);
    expect(toRecord(value)).toEqual(value);
  });

  it('refuses what is not a record', () => {
    const value = record(1_000_000);
    for (const bad of [
      null,
      'not json',
      '[]',
      { ...value, expiresAt: 'soon' },
      { ...value, session: { ...value.session, refresh_token: 1 } },
      { ...value, session: { ...value.session, user: {} } },
    ]) {
      expect(toRecord(bad)).toBeNull();
    }
  });
});
