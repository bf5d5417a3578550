import { css } from 'lit';

// Sizes are em of --thread-font-size (16px unless the page sets it), never
// rem: the host page's root font size must not change the widget. Every
// inherited property is set again on .root, so a page rule that reaches the
// host itself (`* { all: unset }`) cannot leak in either.
export default css`
  :host {
    all: initial;
    display: block;
    font-size: var(--thread-font-size, 16px);
  }

  :host([hidden]) {
    display: none;
  }

  .root {
    --_accent: var(--thread-accent, #1d4ed8);
    --_on-accent: var(--thread-accent-text, #ffffff);
    --_text: var(--thread-text, #1f2937);
    --_muted: var(--thread-muted, #4b5563);
    --_bg: var(--thread-background, #ffffff);
    --_border: var(--thread-border, #d1d5db);
    --_error: var(--thread-error, #b42318);
    --_radius: var(--thread-radius, 12px);
    --_inner-radius: calc(var(--_radius) * 0.67);
    --_tint: color-mix(in srgb, var(--_accent) 7%, var(--_bg));
    --_control-border: color-mix(in srgb, var(--_text) 55%, var(--_bg));

    display: block;
    box-sizing: border-box;
    container-type: inline-size;
    font-family: var(
      --thread-font,
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Helvetica Neue',
      Arial,
      sans-serif
    );
    font-size: var(--thread-font-size, 16px);
    font-weight: 400;
    font-style: normal;
    line-height: 1.5;
    letter-spacing: normal;
    word-spacing: normal;
    text-align: start;
    text-indent: 0;
    text-transform: none;
    white-space: normal;
    visibility: visible;
    cursor: auto;
    color: var(--_text);
    -webkit-text-size-adjust: 100%;
    text-size-adjust: 100%;
  }

  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }

  .card {
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    box-shadow:
      0 1px 2px rgb(16 24 40 / 0.05),
      0 12px 32px -12px rgb(16 24 40 / 0.18);
    overflow: hidden;
  }

  .head {
    padding: 1.25em 1em 1em;
    border-bottom: 1px solid var(--_border);
    background: linear-gradient(180deg, var(--_tint), var(--_bg));
  }

  .body {
    padding: 1.25em 1em;
  }

  h2,
  h3,
  h4,
  p,
  ul,
  dl,
  dd,
  fieldset {
    margin: 0;
    padding: 0;
  }

  h2 {
    font-size: 1.375em;
    line-height: 1.25;
    font-weight: 700;
    letter-spacing: -0.01em;
  }

  h3 {
    font-size: 1.125em;
    line-height: 1.3;
    font-weight: 650;
    margin-bottom: 0.25em;
  }

  [tabindex='-1']:focus {
    outline: none;
  }

  .muted {
    color: var(--_muted);
  }

  .place {
    margin-top: 0.375em;
    display: flex;
    flex-wrap: wrap;
    column-gap: 0.5em;
    font-size: 0.9375em;
  }

  .place-name {
    font-weight: 600;
  }

  .zone {
    font-size: 0.9375em;
    margin-bottom: 1em;
  }

  /* ---------------------------------------------------------------- buttons */

  button {
    font: inherit;
    color: inherit;
    margin: 0;
    cursor: pointer;
  }

  button:focus-visible,
  a:focus-visible,
  input:focus-visible,
  .choice:has(input:focus-visible) {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }

  .primary {
    display: inline-flex;
    font-family: inherit;
    font-size: 1em;
    line-height: 1.25;
    align-items: center;
    justify-content: center;
    gap: 0.5em;
    min-height: max(48px, 3em);
    min-width: 44px;
    padding: 0.625em 1.5em;
    border: 0;
    border-radius: var(--_inner-radius);
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
    text-decoration: none;
    box-shadow: 0 1px 2px rgb(16 24 40 / 0.12);
  }

  .primary:hover {
    background: color-mix(in srgb, var(--_accent) 88%, #000000);
  }

  .primary[aria-disabled='true'] {
    opacity: 0.7;
    cursor: progress;
  }

  .link {
    min-height: 44px;
    padding: 0.5em 0;
    border: 0;
    background: none;
    color: var(--_accent);
    font-weight: 600;
    text-decoration: underline;
    text-underline-offset: 0.2em;
  }

  /* ---------------------------------------------------------------- messages */

  .notice,
  .alert,
  .empty {
    margin: 0 0 1em;
    padding: 0.75em 1em;
    border-radius: var(--_inner-radius);
    border: 1px solid color-mix(in srgb, var(--_accent) 30%, var(--_bg));
    border-left-width: 4px;
    border-left-color: var(--_accent);
    background: var(--_tint);
  }

  .notice.error,
  .alert {
    border-color: color-mix(in srgb, var(--_error) 30%, var(--_bg));
    border-left-color: var(--_error);
    background: color-mix(in srgb, var(--_error) 6%, var(--_bg));
    color: var(--_text);
  }

  .alert + .primary {
    margin-top: 0.25em;
  }

  /* ---------------------------------------------------------------- loading */

  .skeleton {
    display: grid;
    gap: 0.75em;
    margin-top: 1em;
  }

  .bone {
    display: block;
    height: 1.25em;
    border-radius: 6px;
    background: color-mix(in srgb, var(--_text) 9%, var(--_bg));
    animation: pulse 1.4s ease-in-out infinite;
  }

  .day-bone {
    width: min(12em, 60%);
  }

  .day-bone.short {
    width: min(9em, 45%);
  }

  .bone-row {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(5.5em, 1fr));
    gap: 0.5em;
  }

  .time-bone {
    height: max(44px, 2.75em);
  }

  @keyframes pulse {
    50% {
      opacity: 0.45;
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .bone {
      animation: none;
    }
  }

  /* ---------------------------------------------------------------- locations */

  .picker {
    border: 0;
    min-width: 0;
    margin-bottom: 1.5em;
  }

  legend {
    padding: 0;
    margin-bottom: 0.5em;
    font-weight: 650;
    font-size: 1.125em;
  }

  .choices {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 15em), 1fr));
    gap: 0.5em;
  }

  .choice {
    display: flex;
    align-items: flex-start;
    gap: 0.75em;
    min-height: 44px;
    padding: 0.75em 1em;
    border: 1px solid var(--_border);
    border-radius: var(--_inner-radius);
    cursor: pointer;
    background: var(--_bg);
  }

  .choice:hover {
    border-color: var(--_control-border);
  }

  .choice:has(input:checked) {
    border-color: var(--_accent);
    box-shadow: inset 0 0 0 1px var(--_accent);
    background: var(--_tint);
  }

  .choice input {
    flex: none;
    width: 1.125em;
    height: 1.125em;
    margin: 0.2em 0 0;
    accent-color: var(--_accent);
  }

  .choice input:focus-visible {
    outline: none;
  }

  .choice-text {
    display: grid;
    font-size: 0.9375em;
  }

  /* ---------------------------------------------------------------- times */

  .days,
  .times {
    list-style: none;
  }

  .days {
    display: grid;
    gap: 1.25em;
  }

  .day {
    display: grid;
    gap: 0.5em;
  }

  .day-name {
    font-size: 0.9375em;
    font-weight: 650;
  }

  .times {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(6em, 1fr));
    gap: 0.5em;
  }

  .time {
    width: 100%;
    min-width: 44px;
    min-height: max(44px, 2.75em);
    padding: 0.25em;
    border: 1px solid color-mix(in srgb, var(--_accent) 70%, var(--_bg));
    font-size: 0.9375em;
    border-radius: var(--_inner-radius);
    background: var(--_bg);
    color: var(--_accent);
    font-weight: 600;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
    transition:
      background-color 0.12s,
      color 0.12s;
  }

  .time:hover {
    background: var(--_tint);
    border-color: var(--_accent);
  }

  .time:active {
    background: var(--_accent);
    color: var(--_on-accent);
  }

  .time[aria-disabled='true'] {
    cursor: progress;
  }

  /* ---------------------------------------------------------------- times, more */

  .more {
    margin-top: 1.25em;
    min-height: 44px;
    padding: 0.5em 1.25em;
    border: 1px solid var(--_control-border);
    border-radius: var(--_inner-radius);
    background: var(--_bg);
    font-weight: 600;
  }

  .more:hover {
    background: var(--_tint);
  }

  label {
    font-weight: 600;
    font-size: 0.9375em;
  }

  .error {
    display: flex;
    gap: 0.375em;
    color: var(--_error);
    font-size: 0.875em;
    font-weight: 500;
  }

  .error::before {
    content: '!';
    flex: none;
    display: inline-grid;
    place-items: center;
    width: 1.25em;
    height: 1.25em;
    margin-top: 0.1em;
    border-radius: 50%;
    background: var(--_error);
    color: var(--_bg);
    font-size: 0.875em;
    font-weight: 700;
  }

  /* ---------------------------------------------------------------- wide */

  @container (min-width: 36em) {
    .head {
      padding: 1.5em 2em 1.25em;
    }

    .body {
      padding: 1.5em 2em 2em;
    }

    /* One column of day names as wide as the longest, shared by every row. */
    .days {
      grid-template-columns: max-content 1fr;
      gap: 1.25em 2em;
    }

    .day {
      grid-column: 1 / -1;
      grid-template-columns: 12em 1fr;
      grid-template-columns: subgrid;
      gap: 1em 2em;
      align-items: start;
      padding-top: 1.25em;
      border-top: 1px solid var(--_border);
    }

    .day-name {
      padding-top: 0.625em;
    }

    .times {
      grid-template-columns: repeat(auto-fill, minmax(6.5em, 1fr));
    }
  }
`;
