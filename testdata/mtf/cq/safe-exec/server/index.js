// Fixture: execFile with an argument array, no shell.
const { execFile } = require('child_process');

function listDir(dir) {
  execFile('ls', [dir], (err, out) => console.log(out));
}
module.exports = { listDir };
