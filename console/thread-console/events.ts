/** Asks the console to announce `message` in its live region (the event crosses shadow roots). */
export function announce(from: HTMLElement, message: string): void {
  from.dispatchEvent(new CustomEvent('console-announce', { detail: { message }, bubbles: true, composed: true }));
}

/** Copies text, and says whether it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
