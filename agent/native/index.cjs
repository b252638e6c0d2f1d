'use strict';
// The compiled addon, or null when it was not built (no C compiler at install time):
// the agent then runs without trimming.
let addon = null;
try {
  addon = require('./build/Release/vigil_native.node');
} catch {
  addon = null;
}
module.exports = addon;
