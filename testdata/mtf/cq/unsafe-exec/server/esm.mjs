// Fixture: child_process through a renamed ESM import and a namespace import.
import { execSync as run } from 'node:child_process';
import * as cp from 'child_process';

export function a(cmd) {
  return run(cmd).toString();
}
export function b(cmd) {
  cp.exec(cmd);
  eval(cmd);
}
