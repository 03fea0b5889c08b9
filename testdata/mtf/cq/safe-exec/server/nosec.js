// Fixture: a justified suppression.
export function calc(expr) {
  return eval(expr); // nosec: expr is a constant table entry, never tool input
}
