// The sign-up checks the widget, the BFF and the API share (shared/sign-up.ts), case by case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_LENGTH, checkSignUp } from '../shared/sign-up.js';

const TODAY = '2026-11-30';
const PATIENT = { first_name: 'Zoë', last_name: "O'Brien-Núñez", email: 'zoe@example.com', phone: '+1 (555) 010-0199', date_of_birth: '1990-12-10' };
const problemsOf = (change: Record<string, unknown>) => checkSignUp({ ...PATIENT, ...change }, TODAY).problems;

describe('checkSignUp', () => {
  test('a good sign-up comes back with its spaces trimmed and runs of them made one', () => {
    assert.deepEqual(checkSignUp({ ...PATIENT, first_name: '  Zoë ', last_name: "O'Brien-Núñez   Jr." }, TODAY), {
      signUp: { ...PATIENT, first_name: 'Zoë', last_name: "O'Brien-Núñez Jr." },
    });
  });

  const cases: Array<[string, Record<string, unknown>, Record<string, string>]> = [
    ['a missing field is required', { email: undefined }, { email: 'required' }],
    ['only spaces are required', { last_name: '   ' }, { last_name: 'required' }],
    ['a number is invalid', { phone: 5550100199 }, { phone: 'invalid' }],
    ['a name with digits', { first_name: 'R2-D2' }, { first_name: 'invalid' }],
    ['a name that starts with a hyphen', { last_name: '-Smith' }, { last_name: 'invalid' }],
    ['a first name of 101 characters', { first_name: 'a'.repeat(101) }, { first_name: 'too_long' }],
    ['an email without a domain', { email: 'zoe@' }, { email: 'invalid' }],
    ['an email with a space', { email: 'zo e@example.com' }, { email: 'invalid' }],
    ['an email with angle brackets', { email: '<zoe@example.com>' }, { email: 'invalid' }],
    ['a phone of 6 digits', { phone: '555 01' }, { phone: 'invalid' }],
    ['a phone of 16 digits', { phone: '1234567890123456' }, { phone: 'invalid' }],
    ['a phone with letters', { phone: '555-CALL-NOW' }, { phone: 'invalid' }],
    [`a phone over ${MAX_LENGTH.phone} characters`, { phone: '1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7' }, { phone: 'too_long' }],
    ['a date of birth that is not a date', { date_of_birth: '1990-02-30' }, { date_of_birth: 'invalid' }],
    ['a date of birth in another format', { date_of_birth: '12/10/1990' }, { date_of_birth: 'invalid' }],
    ['a date of birth after today', { date_of_birth: '2026-12-01' }, { date_of_birth: 'in_future' }],
    ['a date of birth over 130 years ago', { date_of_birth: '1895-01-01' }, { date_of_birth: 'too_old' }],
  ];
  for (const [name, change, expected] of cases) test(name, () => assert.deepEqual(problemsOf(change), expected));

  test('a phone of exactly 32 characters and a patient 130 years old are accepted', () => {
    assert.equal(problemsOf({ phone: '+1 (555) 010-0199 - (12) - (34).' }), undefined);
    assert.equal(problemsOf({ date_of_birth: '1896-01-01' }), undefined);
  });

  test('a body that is not an object has every field required', () => {
    assert.deepEqual(Object.values(checkSignUp(null, TODAY).problems ?? {}), ['required', 'required', 'required', 'required', 'required']);
  });
});
