import { css } from 'lit';

// The held time, the sign-up form and the booked step: adopted beside thread-scheduling.styles.ts
// once after-pick.ts has loaded (the first screen does not wait for them). The same rules as there:
// sizes in em of --thread-font-size, never rem.
export default css`
  /* ---------------------------------------------------------------- hold */

  .summary {
    margin-bottom: 1.5em;
    padding: 1em 1.125em 0.25em;
    border-radius: var(--_inner-radius);
    background: var(--_tint);
    border: 1px solid color-mix(in srgb, var(--_accent) 25%, var(--_bg));
  }

  .eyebrow {
    font-size: 0.8125em;
    font-weight: 650;
    letter-spacing: 0.04em;
    text-transform: uppercase;
    color: var(--_muted);
  }

  .when {
    margin-top: 0.125em;
    font-size: 1.125em;
    font-weight: 650;
    line-height: 1.35;
  }

  .when > span {
    display: block;
  }

  .when .muted {
    font-size: 0.875em;
    font-weight: 400;
  }

  .countdown {
    display: flex;
    align-items: center;
    gap: 0.5em;
    margin-top: 0.625em;
    font-size: 0.9375em;
  }

  .clockline {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5em 1em;
    margin-top: 0.625em;
  }

  .clockline .countdown {
    margin-top: 0;
  }

  .more-time {
    min-height: 44px;
    min-width: 44px;
    padding: 0.375em 1em;
    border: 1px solid var(--_control-border);
    border-radius: var(--_inner-radius);
    background: var(--_bg);
    color: var(--_accent);
    font-weight: 600;
  }

  .more-time[aria-disabled='true'] {
    cursor: progress;
    opacity: 0.7;
  }

  .hold-message {
    margin: 0.625em 0 0;
    font-size: 0.9375em;
    font-weight: 600;
  }

  .hold-message.error {
    color: var(--_error);
  }

  .icon {
    flex: none;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
    color: var(--_accent);
  }

  .hint {
    font-size: 0.9375em;
  }

  .clock {
    display: inline-block;
    min-width: 3.25em;
    padding: 0 0.375em;
    border-radius: 6px;
    background: var(--_bg);
    font-weight: 700;
    font-variant-numeric: tabular-nums;
    text-align: center;
    color: var(--_text);
  }

  /* ---------------------------------------------------------------- form */

  form {
    display: grid;
    gap: 1.25em;
    margin-top: 0.75em;
  }

  .fields {
    display: grid;
    gap: 1em;
  }

  .field {
    display: grid;
    gap: 0.375em;
    align-content: start;
  }

  input:not([type='radio']) {
    width: 100%;
    min-height: max(44px, 2.75em);
    margin: 0;
    padding: 0.5em 0.75em;
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_control-border);
    border-radius: var(--_inner-radius);
  }

  input[aria-invalid='true'] {
    border-color: var(--_error);
    box-shadow: inset 0 0 0 1px var(--_error);
  }

  form .primary {
    width: 100%;
  }

  /* ---------------------------------------------------------------- done */

  .check {
    display: grid;
    place-items: center;
    width: 3em;
    height: 3em;
    margin-bottom: 0.75em;
    border-radius: 50%;
    background: color-mix(in srgb, #067647 12%, var(--_bg));
  }

  .check path {
    fill: none;
    stroke: #067647;
    stroke-width: 2.5;
    stroke-linecap: round;
    stroke-linejoin: round;
  }

  .facts {
    display: grid;
    gap: 0.75em;
    margin: 1.25em 0 1.5em;
    padding: 1em 1.125em;
    border: 1px solid var(--_border);
    border-radius: var(--_inner-radius);
  }

  .facts dt {
    font-size: 0.8125em;
    font-weight: 650;
    letter-spacing: 0.04em;
    text-transform: uppercase;
    color: var(--_muted);
  }

  .facts dd {
    font-weight: 500;
  }

  .manage-link {
    margin-top: 1.25em;
    line-height: 1.5;
  }

  /* ---------------------------------------------------------------- wide */

  @container (min-width: 36em) {
    .fields {
      grid-template-columns: 1fr 1fr;
      column-gap: 1.25em;
    }

    .field.email {
      grid-column: 1 / -1;
    }

    form .primary,
    .done .primary {
      width: auto;
      justify-self: start;
    }

    .facts {
      grid-template-columns: repeat(3, auto);
      justify-content: start;
      column-gap: 3em;
    }
  }
`;
