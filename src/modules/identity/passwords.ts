/** Password hashing (argon2id, OWASP parameters) and the password rules people see. */
import { hash, verify } from '@node-rs/argon2';
import { invalid } from '../../kernel/errors.ts';

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;
// Algorithm 2 = Argon2id; 19 MiB, 2 passes, 1 lane (OWASP's first recommended configuration).
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Throws a 400 that says what a good password needs. */
export function checkPasswordRules(password: string, email?: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalid(`the password is too short: use at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw invalid(`the password is too long (at most ${MAX_PASSWORD_LENGTH} characters)`);
  }
  if (email && password.toLowerCase() === email.toLowerCase()) {
    throw invalid('the password must not be your email address');
  }
}

/** Hashes a password with argon2id (self-describing PHC string with salt and parameters). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummy: Promise<string> | undefined;

/** Verifies a password; with no stored hash it still spends the same work (no user-exists oracle). */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  if (stored === null) {
    dummy ??= hashPassword('not-a-real-password-for-timing');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
