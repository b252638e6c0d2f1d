/*
 * What the agent bundle gives undici for `node:http` and `node:http2` (agent/bundle.mjs).
 * The agent speaks HTTP/1.1 through undici only: undici takes from `node:http` just
 * `maxHeaderSize` (a default when a Client has none) and `IncomingMessage` (an identity
 * check when destroying a request body that is one, which the agent never passes), and
 * `node:http2` only for HTTP/2 connections (`allowH2`, off). Loading the real modules costs
 * the agent about 5 MB of resident memory (docs/agent-footprint.md).
 */
'use strict';
class IncomingMessage {}
module.exports = {
  // Node's default --max-http-header-size
  maxHeaderSize: 16384,
  IncomingMessage,
  constants: {},
};
