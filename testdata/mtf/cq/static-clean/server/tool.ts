// Fixture: plain TypeScript.
export interface Note { title: string; body: string }
export function title(note: Note): string {
  return note.title.trim();
}
