'use strict';
// The compiled addon (src/vigil_native.c), or null when it was not built (no C compiler at
// install time): the agent then runs without heap trimming and with the JavaScript VoIP stream.
let addon = null;
try {
  addon = require('./build/Release/vigil_native.node');
} catch {
  addon = null;
}
module.exports = addon;
