import { css } from 'lit';

export default css`
  :host { max-width: 72rem; margin: 0 auto; padding: 0 1rem 2rem; }
  .skip { position: absolute; left: -10000px; }
  .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: 0.5rem; z-index: 1; }
  .top {
    display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center;
    padding: 0.75rem 0; border-bottom: 1px solid #d0d7de;
  }
  .brand { margin: 0; font-weight: 700; color: #1d4ed8; }
  .practice { margin: 0; flex: 1 1 10rem; overflow-wrap: anywhere; }
  .id { color: #4a5058; }
  .language { display: flex; align-items: center; gap: 0.5rem; }
  .language label { margin: 0; font-weight: 400; }
  .language select { width: auto; }
  nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem; margin: 0; padding: 0.75rem 0; }
  .tab { background: #fff; color: #1d4ed8; border-color: #d0d7de; }
  .tab[aria-current='page'] { background: #1d4ed8; color: #fff; border-color: #1d4ed8; }
  main { padding-top: 0.5rem; }
  main:focus { outline: none; }
  .sign-in { max-width: 40rem; padding-top: 2rem; }
  .command { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.75rem; }
`;
