import type { Executor, Params } from './executor.js';

/** Who did it: an API client, or (later) a person in the practice console. */
export type AuditActorKind = 'api_client' | 'console';

/** How a read of a sign-up ended: shown, there was none, or refused for a missing scope or practice grant. */
export type SignUpReadOutcome = 'read' | 'no_sign_up' | 'refused_scope' | 'refused_practice';

/** One line of the audit trail. It names people only by their client or user id: never patient data. */
export interface AuditEvent {
  at: number;
  practice_id: string;
  booking_id: string;
  actor_kind: AuditActorKind;
  actor_id: string;
  address: string;
  action: 'sign_up.read';
  outcome: SignUpReadOutcome;
}

/** The audit trail: it can be appended to and listed, and nothing else (the table refuses updates and deletes too). */
export function createAudit(ex: Executor) {
  return {
    async record(event: AuditEvent): Promise<void> {
      await ex.run(
        `INSERT INTO audit_events (at, practice_id, booking_id, actor_kind, actor_id, address, action, outcome)
         VALUES (:at, :practice_id, :booking_id, :actor_kind, :actor_id, :address, :action, :outcome)`,
        event as unknown as Params, // an interface has no index signature; its fields are the parameters
      );
    },
    /** A practice's events from `since` (ms) on, oldest first. */
    ofPractice: (practiceId: string, since: number) =>
      ex.all<AuditEvent>(
        `SELECT at, practice_id, booking_id, actor_kind, actor_id, address, action, outcome FROM audit_events
         WHERE practice_id = :practice_id AND at >= :since ORDER BY at, seq`,
        { practice_id: practiceId, since },
      ),
  };
}
export type Audit = ReturnType<typeof createAudit>;
