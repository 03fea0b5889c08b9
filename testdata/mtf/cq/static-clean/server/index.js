// Fixture: nothing for static analysis to report.
export function add(a, b) {
  return a + b;
}
