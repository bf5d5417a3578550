import { css } from 'lit';

export default css`
  .builder { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); }
  @media (min-width: 60rem) { .builder { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); } }
  fieldset { margin: 0 0 1rem; }
  legend { font-weight: 700; padding: 0 0.25rem; }
  .check { display: flex; align-items: center; gap: 0.5rem; min-height: 44px; }
  .check input { width: 24px; height: 24px; margin: 0; flex: none; }
  .check label { margin: 0; font-weight: 400; overflow-wrap: anywhere; }
  ol.order { margin: 0; padding-left: 1.5rem; }
  ol.order li { margin-bottom: 0.25rem; flex-wrap: nowrap; }
  ol.order li .grow { flex: 1 1 0; }
  input[type='color'] { width: 4rem; height: 44px; padding: 2px; border: 1px solid #6b7280; border-radius: 6px; vertical-align: middle; }
  .accent-value { margin-left: 0.5rem; }
  pre.code {
    margin: 0 0 0.75rem; padding: 0.75rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere;
    background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px;
  }
  .preview { background: #f6f8fa; }
`;
