import { css } from 'lit';

// The manage step (manage-controller.ts), adopted with after-pick.styles.ts (the facts and the done
// step) once manage.ts has loaded. The same rules as there: sizes in em of --thread-font-size.
export default css`
  .manage > p {
    margin: 0 0 1em;
  }

  .actions {
    display: grid;
    gap: 0.75em;
    margin-top: 1.25em;
  }

  .secondary {
    min-height: max(48px, 3em);
    min-width: 44px;
    padding: 0.625em 1.5em;
    border: 1px solid var(--_control-border);
    border-radius: var(--_inner-radius);
    background: var(--_bg);
    color: var(--_text);
    font-weight: 600;
  }

  .secondary:hover {
    border-color: var(--_accent);
  }

  .primary.danger {
    background: var(--_error);
  }

  .primary.danger:hover {
    background: color-mix(in srgb, var(--_error) 88%, #000000);
  }

  .contact {
    margin: 0 0 1em;
    font-style: normal;
    line-height: 1.5;
  }

  .manage .days {
    margin-bottom: 1em;
  }

  @container (min-width: 36em) {
    .actions {
      grid-auto-flow: column;
      justify-content: start;
    }
  }
`;
