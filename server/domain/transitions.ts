// The booking status machine, as data: which moves make sense, who may make each, and what it does.
// The API's PUT and DELETE call `transition`; neither restates a rule. Unit-tested cell by cell
// (test/transitions.test.ts) without a server.
import type { BookingStatus } from '../../shared/types.js';

/** What the caller is to the booking: its creator (with scheduling:write), its current holder, both or neither. */
export interface Roles {
  creator: boolean;
  holder: boolean;
}

/** The booking as the rule sees it. */
export interface Subject {
  id: string;
  status: BookingStatus;
  /** A weekly series: it stays open and offers its weeks; a week is held as a stand-in. */
  recurring: boolean;
  /** A stand-in for one week of a series: reopened, it closes and the week goes back to the series. */
  standIn: boolean;
  held_by: string | null;
  /** A hold that runs out (a `scheduling:book` client's), which its holder may renew. */
  expiring: boolean;
}

/** What a move does to the booking's status columns. (A move to open or closed also deletes any sign-up: the data layer does that with every such write.) */
export interface Effect {
  status: BookingStatus;
  held_by: string | null;
  hold_expires_at: number | null;
}

export type Outcome = { ok: true; effect: Effect | null } | { ok: false; error: 'conflict' | 'forbidden'; message: string };

type Kind = 'hold' | 'renew' | 'release' | 'book' | 'edit' | 'close';
type Who = ReadonlyArray<keyof Roles | 'anyone'>;
interface Rule {
  who: Who;
  kind?: Kind;
  /** Why the move is refused to anyone else (or to everyone, with no `kind`). */
  refused: (id: string) => string;
  /** 403 rather than 409: the move is one only a role may make, whatever the status. */
  forbidden?: boolean;
}

const heldByAnother = (id: string) => `booking "${id}" is pending, held by another client`;
const only = (status: BookingStatus) => (id: string) => `booking "${id}" is ${status}; only an open booking can be held`;
const already = (status: BookingStatus) => (id: string) => `booking "${id}" is already ${status}`;
const closedAlready = (id: string) => `booking "${id}" is closed`;
const notCreator = (id: string) => `booking "${id}" was created by another client`;

/**
 * Every (from, to) pair. The same status twice is an edit of other fields, which only the creator makes;
 * `closed` is reached only by DELETE, and a closed booking stays closed (DELETE again changes nothing).
 */
const TRANSITIONS: Readonly<Record<BookingStatus, Readonly<Record<BookingStatus, Rule>>>> = {
  open: {
    open: { who: ['creator'], kind: 'edit', refused: already('open') },
    pending: { who: ['anyone'], kind: 'hold', refused: only('open') },
    booked: { who: ['creator'], kind: 'book', refused: (id) => `booking "${id}" is open; hold it (status "pending") before booking it` },
    closed: { who: ['creator'], kind: 'close', refused: notCreator, forbidden: true },
  },
  pending: {
    open: { who: ['creator', 'holder'], kind: 'release', refused: heldByAnother },
    // The holder of a hold that runs out renews it (the patient asked for more time); the creator edits.
    pending: { who: ['creator', 'holder'], kind: 'renew', refused: already('pending') },
    booked: { who: ['holder'], kind: 'book', refused: heldByAnother },
    closed: { who: ['creator'], kind: 'close', refused: notCreator, forbidden: true },
  },
  booked: {
    // The client that booked it (a patient's cancel or move through the widget's manage link) or its creator reopens it.
    open: { who: ['creator', 'holder'], kind: 'release', refused: (id) => `booking "${id}" is booked; only its creator or the client that booked it can reopen it` },
    pending: { who: [], refused: only('booked') },
    booked: { who: ['creator'], kind: 'edit', refused: already('booked') },
    closed: { who: ['creator'], kind: 'close', refused: notCreator, forbidden: true },
  },
  closed: {
    open: { who: [], refused: closedAlready },
    pending: { who: [], refused: closedAlready },
    booked: { who: [], refused: closedAlready },
    closed: { who: ['creator'], kind: 'edit', refused: notCreator, forbidden: true },
  },
};

const allowed = (who: Who, roles: Roles) => who.some((role) => role === 'anyone' || roles[role]);

/**
 * The one rule for a status move of `booking` to `to` by a caller (`clientId`, in `roles`).
 * `holdUntil` is when a hold made now would run out (null: it does not).
 */
export function transition(booking: Subject, to: BookingStatus, clientId: string, roles: Roles, holdUntil: number | null): Outcome {
  const rule = TRANSITIONS[booking.status][to];
  if (!rule.kind || !allowed(rule.who, roles)) {
    return { ok: false, error: rule.forbidden ? 'forbidden' : 'conflict', message: rule.refused(booking.id) };
  }
  switch (rule.kind) {
    case 'edit':
      return { ok: true, effect: null };
    case 'renew':
      if (roles.holder && booking.expiring) return { ok: true, effect: { status: 'pending', held_by: clientId, hold_expires_at: holdUntil } };
      if (roles.creator) return { ok: true, effect: null };
      return { ok: false, error: 'conflict', message: already('pending')(booking.id) };
    case 'hold':
      return { ok: true, effect: { status: 'pending', held_by: clientId, hold_expires_at: roles.creator ? null : holdUntil } };
    case 'release':
      // A stand-in for a week of a weekly booking closes instead: the week goes back to the weekly booking.
      return { ok: true, effect: { status: booking.standIn ? 'closed' : 'open', held_by: null, hold_expires_at: null } };
    case 'book':
      if (booking.recurring) return { ok: false, error: 'conflict', message: `booking "${booking.id}" is weekly; hold one of its weeks and book that` };
      return { ok: true, effect: { status: 'booked', held_by: booking.held_by ?? clientId, hold_expires_at: null } };
    case 'close':
      return { ok: true, effect: { status: 'closed', held_by: null, hold_expires_at: null } };
  }
}
