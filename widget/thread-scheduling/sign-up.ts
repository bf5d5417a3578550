import type { FieldProblem, SignUp, SignUpField } from '../../shared/types.js';

export type SignUpProblems = Partial<Record<SignUpField, FieldProblem>>;

export const MAX_LENGTH: Record<SignUpField, number> = {
  first_name: 100,
  last_name: 100,
  email: 254,
  phone: 30,
  date_of_birth: 10,
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[+()\-.\s\d]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** YYYY-MM-DD of a date on the patient's own calendar. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function dateProblem(value: string, today: Date): FieldProblem | undefined {
  const match = DATE.exec(value);
  if (!match) return 'invalid';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return 'invalid';
  }
  if (value > isoDay(today)) return 'in_future';
  if (year < today.getFullYear() - 120) return 'too_old';
  return undefined;
}

/** The same checks the BFF makes, so most mistakes are caught before a round trip. */
export function checkSignUp(signUp: SignUp, today: Date = new Date()): SignUpProblems {
  const problems: SignUpProblems = {};
  for (const field of Object.keys(MAX_LENGTH) as SignUpField[]) {
    const value = signUp[field];
    if (!value) problems[field] = 'required';
    else if (value.length > MAX_LENGTH[field]) problems[field] = 'too_long';
  }
  if (!problems.email && !EMAIL.test(signUp.email)) problems.email = 'invalid';
  if (!problems.phone) {
    const digits = signUp.phone.replace(/\D/g, '').length;
    if (!PHONE.test(signUp.phone) || digits < 7 || digits > 15) problems.phone = 'invalid';
  }
  if (!problems.date_of_birth) {
    const problem = dateProblem(signUp.date_of_birth, today);
    if (problem) problems.date_of_birth = problem;
  }
  return problems;
}
