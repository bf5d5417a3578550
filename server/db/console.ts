// The practice console's sign-in links and sessions (CONTRACT section 9), on either engine. Secrets
// are kept only as SHA-256 hashes; whether a link is used, or a session alive, is decided by one
// conditional statement each, so any number of processes sharing the database agree.
import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../domain/bookings.js';
import type { Executor } from './executor.js';

export const LINK_MINUTES = 15;
export const SESSION_IDLE_HOURS = 8;
const MINUTE = 60_000;

/** A random secret of 256 bits, base64url. */
export const newConsoleSecret = () => randomBytes(32).toString('base64url');
export const hashConsoleSecret = (secret: string) => createHash('sha256').update(secret).digest('base64url');

export interface ConsoleSession {
  practice_id: string;
  /** The link the session was made with: who it is, in the audit trail. */
  link_id: string;
}

/** Why a link could not be used, in a word the console page translates. */
export type LinkRefusal = 'link_used' | 'link_expired' | 'link_unknown';

export function createConsoleData(sql: Executor) {
  return {
    /** A new one-time link for a practice: the secret (for the URL's fragment) is returned, its hash kept. */
    async issueLink(practiceId: string, now: number): Promise<{ id: string; secret: string; expiresAt: number }> {
      const link = { id: newId(), secret: newConsoleSecret(), expiresAt: now + LINK_MINUTES * MINUTE };
      await sql.run(
        `INSERT INTO console_links (id, secret_hash, practice_id, created_at, expires_at)
         VALUES (:id, :secret_hash, :practice_id, :now, :expires_at)`,
        { id: link.id, secret_hash: hashConsoleSecret(link.secret), practice_id: practiceId, now, expires_at: link.expiresAt },
      );
      return link;
    },

    /**
     * Uses a link once: the UPDATE only matches an unused, unexpired link, so of two tabs (or processes)
     * trading the same link one wins. The loser, or a late one, learns why.
     */
    async useLink(secret: string, now: number): Promise<{ link_id: string; practice_id: string } | LinkRefusal> {
      const hash = hashConsoleSecret(secret);
      const used = await sql.get<{ id: string; practice_id: string }>(
        `UPDATE console_links SET used_at = :now
         WHERE secret_hash = :hash AND used_at IS NULL AND expires_at > :now
         RETURNING id, practice_id`,
        { hash, now },
      );
      if (used) return { link_id: used.id, practice_id: used.practice_id };
      const link = await sql.get<{ used_at: number | null }>('SELECT used_at FROM console_links WHERE secret_hash = :hash', { hash });
      if (!link) return 'link_unknown';
      return link.used_at !== null ? 'link_used' : 'link_expired';
    },

    /** Starts a session for a used link; the caller sets the cookie with `token`, and only its hash is kept. */
    async startSession(link: { link_id: string; practice_id: string }, now: number): Promise<string> {
      const token = newConsoleSecret();
      // Sessions long idle are swept as new ones start: nothing else needs them gone sooner.
      await sql.run('DELETE FROM console_sessions WHERE expires_at <= :now', { now });
      await sql.run(
        `INSERT INTO console_sessions (token_hash, link_id, practice_id, created_at, expires_at)
         VALUES (:token_hash, :link_id, :practice_id, :now, :expires_at)`,
        { token_hash: hashConsoleSecret(token), link_id: link.link_id, practice_id: link.practice_id, now, expires_at: now + SESSION_IDLE_HOURS * 60 * MINUTE },
      );
      return token;
    },

    /** The live session a cookie's token names, and when its idle limit ends; undefined when none. A read. */
    async session(token: string, now: number): Promise<(ConsoleSession & { expires_at: number }) | undefined> {
      return sql.get<ConsoleSession & { expires_at: number }>(
        'SELECT practice_id, link_id, expires_at FROM console_sessions WHERE token_hash = :hash AND expires_at > :now',
        { hash: hashConsoleSecret(token), now },
      );
    },

    /** Moves a live session's idle limit on to SESSION_IDLE_HOURS from now. */
    async touchSession(token: string, now: number): Promise<void> {
      await sql.run('UPDATE console_sessions SET expires_at = :until WHERE token_hash = :hash AND expires_at > :now', {
        hash: hashConsoleSecret(token),
        now,
        until: now + SESSION_IDLE_HOURS * 60 * MINUTE,
      });
    },

    /** Signs out: the session is gone for every process at once. */
    async endSession(token: string): Promise<void> {
      await sql.run('DELETE FROM console_sessions WHERE token_hash = :hash', { hash: hashConsoleSecret(token) });
    },
  };
}
export type ConsoleData = ReturnType<typeof createConsoleData>;
