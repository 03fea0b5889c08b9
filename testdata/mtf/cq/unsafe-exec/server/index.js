// Fixture: child_process through a destructured require.
const { exec } = require('child_process');

function listDir(dir) {
  exec(`ls ${dir}`, (err, out) => console.log(out));
}
module.exports = { listDir };
