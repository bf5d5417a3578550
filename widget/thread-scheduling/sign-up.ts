// The widget's side of the sign-up: the checks themselves are shared with the server (shared/sign-up.ts).
export { MAX_LENGTH, checkSignUp, type SignUpProblems } from '../../shared/sign-up.js';

/** YYYY-MM-DD of a date on the patient's own calendar. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
