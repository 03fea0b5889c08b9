// The in-memory notebook behind the example server's tools.
const notes = new Map();

export function addNote(title, body) {
  notes.set(title, body);
  return `saved "${title}"`;
}

export function readNote(title) {
  return notes.has(title) ? notes.get(title) : `no note titled "${title}"`;
}

export function listNotes() {
  return [...notes.keys()].sort();
}
