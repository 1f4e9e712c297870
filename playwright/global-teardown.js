// Removes the run's temp data dir (database, outbox) unless TLJ_E2E_KEEP=1 asks to keep it.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async function globalTeardown() {
  const dir = process.env.TLJ_E2E_DATA_DIR;
  if (!dir) return;
  if (process.env.TLJ_E2E_KEEP === '1') {
    console.log(`TLJ e2e data kept in ${dir}`);
    return;
  }
  // Only ever delete a directory this config created.
  if (path.basename(dir).startsWith('tlj-e2e-') && path.dirname(dir) === os.tmpdir()) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
