/* eslint-disable */
// Fixture: ESLint security findings (the eslint-disable above must not hide them).
const cp = require('child_process');
const fs = require('fs');

function handle(args) {
  cp.exec(args.command);
  const text = fs.readFileSync(args.path, 'utf8');
  return eval(args.expr) + text;
}
module.exports = { handle };
