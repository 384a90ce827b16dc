import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  ARGON2_PARAMS,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  parseArgon2Hash,
  passwordNeedsRehash,
  verifyPassword,
  verifyPasswordAgainstDummy,
} from './index.ts';

describe('password hashing', () => {
  it('hashes with argon2id at m=19456, t=2, p=1', async () => {
    expect(ARGON2_PARAMS).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const encoded = await hashPassword('correct horse battery staple');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(parseArgon2Hash(encoded)).toEqual({
      algorithm: 'argon2id',
      version: 19,
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    });
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(encoded, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(encoded, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword(encoded, 'Correct horse battery staple')).toBe(false);
    expect(await verifyPassword(encoded, '')).toBe(false);
  });

  it('treats a stored value that is not an argon2 hash as a mismatch instead of throwing', async () => {
    expect(await verifyPassword('not-a-hash', 'whatever')).toBe(false);
    expect(await verifyPassword('', 'whatever')).toBe(false);
  });

  it('normalizes Unicode so composed and decomposed forms match', async () => {
    const composed = 'caf\u00e9 au lait!';
    const decomposed = 'cafe\u0301 au lait!';
    expect(composed).not.toBe(decomposed);
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(true);
    expect(await verifyPassword(await hashPassword(decomposed), composed)).toBe(true);
  });
});

describe('passwordNeedsRehash', () => {
  it('is false for a hash made with the current parameters', async () => {
    expect(passwordNeedsRehash(await hashPassword('some password'))).toBe(false);
  });

  it('is true for a weaker argon2id hash', async () => {
    const weakMemory = await hash('some password', { algorithm: 2, memoryCost: 4096, timeCost: 2, parallelism: 1 });
    const weakTime = await hash('some password', { algorithm: 2, memoryCost: 19456, timeCost: 1, parallelism: 1 });
    expect(weakMemory).toContain('m=4096,t=2,p=1');
    expect(weakTime).toContain('m=19456,t=1,p=1');
    expect(passwordNeedsRehash(weakMemory)).toBe(true);
    expect(passwordNeedsRehash(weakTime)).toBe(true);
    // Still verifiable: the rehash happens after a successful sign-in.
    expect(await verifyPassword(weakMemory, 'some password')).toBe(true);
  });

  it('is true for another argon2 variant and for anything unparseable', async () => {
    const argon2i = await hash('some password', { algorithm: 1, ...ARGON2_PARAMS });
    expect(argon2i.startsWith('$argon2i$')).toBe(true);
    expect(passwordNeedsRehash(argon2i)).toBe(true);
    expect(passwordNeedsRehash('s2:salt:key')).toBe(true);
    expect(passwordNeedsRehash('')).toBe(true);
  });
});

describe('dummy verification for unknown emails', () => {
  it('uses a real hash made with the current parameters', () => {
    expect(parseArgon2Hash(DUMMY_PASSWORD_HASH)).toEqual({ algorithm: 'argon2id', version: 19, ...ARGON2_PARAMS });
    expect(passwordNeedsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
  });

  it('always answers false', async () => {
    expect(await verifyPasswordAgainstDummy('correct horse battery staple')).toBe(false);
    expect(await verifyPasswordAgainstDummy('')).toBe(false);
  });

  it('costs about as much as verifying a real hash', async () => {
    const real = await hashPassword('correct horse battery staple');
    const time = async (fn: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        await fn();
        samples.push(performance.now() - start);
      }
      return samples.sort((a, b) => a - b)[2] ?? 0;
    };
    const realMs = await time(() => verifyPassword(real, 'wrong password'));
    const dummyMs = await time(() => verifyPasswordAgainstDummy('wrong password'));
    // A generous bound: a shortcut (no argon2 at all) is orders of magnitude faster.
    expect(dummyMs).toBeGreaterThan(realMs / 4);
  });
});
