// The sign-up checks, once: the widget runs them before a round trip, the BFF and the API before storing.
import { SIGN_UP_FIELDS, type FieldProblem, type SignUp, type SignUpField } from './types.js';

export type SignUpProblems = Partial<Record<SignUpField, FieldProblem>>;

/** The longest each field may be, after spaces are trimmed and runs of them made one. */
export const MAX_LENGTH: Readonly<Record<SignUpField, number>> = { first_name: 100, last_name: 100, email: 254, phone: 32, date_of_birth: 10 };
/** The oldest patient a date of birth may describe, in years. */
const MAX_AGE_YEARS = 130;
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[A-Za-z]{2,}$/;
const PHONE = /^\+?[0-9 ().-]{7,}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Letters of any script, marks, spaces, apostrophes, hyphens and periods: names as people write them.
const NAME = /^[\p{L}\p{M}][\p{L}\p{M}' .-]*$/u;

/** Checks a sign-up and returns it normalised, or what is wrong with each field; `today` (YYYY-MM-DD) bounds the date of birth. */
export function checkSignUp(
  input: unknown,
  today: string,
): { signUp: SignUp; problems?: undefined } | { signUp?: undefined; problems: SignUpProblems } {
  const problems: SignUpProblems = {};
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const signUp = {} as SignUp;
  for (const field of SIGN_UP_FIELDS) {
    const value = raw[field];
    const text = typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : '';
    if (value !== undefined && typeof value !== 'string') problems[field] = 'invalid';
    else if (text === '') problems[field] = 'required';
    else if (text.length > MAX_LENGTH[field]) problems[field] = 'too_long';
    signUp[field] = text;
  }
  if (!problems.first_name && !NAME.test(signUp.first_name)) problems.first_name = 'invalid';
  if (!problems.last_name && !NAME.test(signUp.last_name)) problems.last_name = 'invalid';
  if (!problems.email && !EMAIL.test(signUp.email)) problems.email = 'invalid';
  if (!problems.phone && (!PHONE.test(signUp.phone) || signUp.phone.replace(/\D/g, '').length < 7 || signUp.phone.replace(/\D/g, '').length > 15)) {
    problems.phone = 'invalid';
  }
  if (!problems.date_of_birth) {
    const m = DATE.exec(signUp.date_of_birth);
    const valid = m && new Date(`${signUp.date_of_birth}T00:00:00Z`).toISOString().startsWith(signUp.date_of_birth);
    if (!valid) problems.date_of_birth = 'invalid';
    else if (signUp.date_of_birth > today) problems.date_of_birth = 'in_future';
    else if (Number(m[1]) < Number(today.slice(0, 4)) - MAX_AGE_YEARS) problems.date_of_birth = 'too_old';
  }
  return Object.keys(problems).length > 0 ? { problems } : { signUp };
}
