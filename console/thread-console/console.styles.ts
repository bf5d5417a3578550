import { css } from 'lit';

/** What every part of the console shares: type, form controls, buttons, focus, and small screens (320 px). */
export default css`
  :host {
    display: block;
    color: #1f2328;
    font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  }
  *, *::before, *::after { box-sizing: border-box; }
  h1, h2, h3 { line-height: 1.25; margin: 0 0 0.5rem; }
  h2 { font-size: 1.35rem; }
  h3 { font-size: 1.1rem; }
  p { margin: 0 0 0.75rem; }
  .intro { color: #4a5058; max-width: 70ch; }
  code, pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 0.95em; }
  button, input, select { font: inherit; }
  button {
    min-height: 44px;
    min-width: 44px;
    padding: 0.5rem 1rem;
    border-radius: 6px;
    border: 1px solid #1d4ed8;
    background: #1d4ed8;
    color: #fff;
    cursor: pointer;
  }
  button.secondary { background: #fff; color: #1d4ed8; }
  button.danger { background: #fff; color: #b42318; border-color: #b42318; }
  button:hover { filter: brightness(0.93); }
  button:disabled { opacity: 0.6; cursor: not-allowed; }
  :focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
  label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
  .help { display: block; color: #4a5058; font-size: 0.9rem; margin-bottom: 0.25rem; font-weight: 400; }
  input[type='text'], input[type='url'], input[type='number'], select {
    width: 100%;
    max-width: 28rem;
    min-height: 44px;
    padding: 0.4rem 0.6rem;
    border: 1px solid #6b7280;
    border-radius: 6px;
    background: #fff;
    color: inherit;
  }
  input[aria-invalid='true'] { border-color: #b42318; border-width: 2px; }
  .field { margin-bottom: 1rem; }
  .error { color: #b42318; font-weight: 600; }
  .warning { color: #7a4100; background: #fff4e5; border-left: 4px solid #b45309; padding: 0.5rem 0.75rem; border-radius: 4px; }
  .ok { color: #0f5132; }
  .card { border: 1px solid #d0d7de; border-radius: 8px; padding: 1rem; margin-bottom: 1rem; background: #fff; }
  dl { margin: 0.5rem 0 0; }
  dl .row { flex-wrap: nowrap; align-items: baseline; }
  dt { font-weight: 600; flex: 0 0 7.5rem; }
  dd { margin: 0; }
  ul.plain { list-style: none; margin: 0; padding: 0; }
  .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
  .grow { flex: 1 1 12rem; min-width: 0; overflow-wrap: anywhere; }
  .visually-hidden {
    position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
    overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
  }
  @media (prefers-reduced-motion: reduce) { * { transition: none !important; } }
`;
