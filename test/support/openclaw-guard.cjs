'use strict';
// Network guard preloaded into the real OpenClaw gateway under test
// (NODE_OPTIONS=--require <this file>). OpenClaw looks up hosted catalogs,
// update feeds and plugin registries at start-up and no setting disables all
// of them; on a machine without internet those calls hang until their own
// timeouts and slow the gateway down. Here every non-loopback DNS lookup or
// TCP/TLS connect fails at once with ECONNREFUSED/ENOTFOUND, so the gateway
// takes its offline path immediately and can never reach the internet.
// Set OPENCLAW_GUARD_LOG=<file> to append one line per blocked attempt.
// It is inherited by child processes and worker threads (NODE_OPTIONS).

const dns = require('node:dns');
const net = require('node:net');
const tls = require('node:tls');
const fs = require('node:fs');

const logFile = process.env.OPENCLAW_GUARD_LOG;

function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost
  let h = String(host).toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:')) h = h.slice(7); // IPv4-mapped IPv6
  return net.isIPv4(h) && h.startsWith('127.');
}

function note(kind, host) {
  if (!logFile) return;
  try {
    fs.appendFileSync(logFile, `${new Date().toISOString()} pid=${process.pid} blocked ${kind} ${host}\n`);
  } catch {
    // logging is best effort; never let it break the guarded process
  }
}

function blockedError(code, syscall, host) {
  const err = new Error(`${syscall} ${code} ${host} (blocked by openclaw-guard: tests stay on loopback)`);
  err.code = code;
  err.errno = code === 'ENOTFOUND' ? -3008 : -111;
  err.syscall = syscall;
  err.hostname = host;
  return err;
}

// --- DNS -----------------------------------------------------------------
const origLookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  if (!isLoopback(hostname)) {
    const cb = typeof options === 'function' ? options : callback;
    note('dns.lookup', hostname);
    process.nextTick(() => cb(blockedError('ENOTFOUND', 'getaddrinfo', hostname)));
    return {};
  }
  return origLookup.apply(this, arguments);
};

const origPromiseLookup = dns.promises.lookup;
dns.promises.lookup = function guardedPromiseLookup(hostname, options) {
  if (!isLoopback(hostname)) {
    note('dns.promises.lookup', hostname);
    return Promise.reject(blockedError('ENOTFOUND', 'getaddrinfo', hostname));
  }
  return origPromiseLookup.apply(this, arguments);
};

// --- TCP / TLS -------------------------------------------------------------
// Works out the target host of the many connect() call shapes:
// (port, host), (options), ([options, cb]) as used internally by net.
function targetOf(args) {
  let a0 = args[0];
  if (Array.isArray(a0)) a0 = a0[0]; // internal normalized form
  if (a0 && typeof a0 === 'object') {
    if (a0.path) return { local: true };
    return { host: a0.host ?? a0.hostname ?? a0.servername };
  }
  if (typeof a0 === 'string' && !/^\d+$/.test(a0)) return { local: true }; // unix socket path
  return { host: typeof args[1] === 'string' ? args[1] : undefined };
}

function failSocket(socket, host) {
  process.nextTick(() => socket.destroy(blockedError('ECONNREFUSED', 'connect', host)));
  return socket;
}

const origSocketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedSocketConnect(...args) {
  const t = targetOf(args);
  if (!t.local && !isLoopback(t.host)) {
    note('net.Socket.connect', t.host);
    return failSocket(this, t.host);
  }
  return origSocketConnect.apply(this, args);
};

const origNetConnect = net.connect;
function guardedNetConnect(...args) {
  const t = targetOf(args);
  if (!t.local && !isLoopback(t.host)) {
    note('net.connect', t.host);
    return failSocket(new net.Socket(), t.host);
  }
  return origNetConnect.apply(this, args);
}
net.connect = guardedNetConnect;
net.createConnection = guardedNetConnect;

const origTlsConnect = tls.connect;
tls.connect = function guardedTlsConnect(...args) {
  const t = targetOf(args);
  // A TLS socket over an existing (already guarded) socket is allowed.
  const opts = args.find((a) => a && typeof a === 'object' && !Array.isArray(a));
  if (!(opts && opts.socket) && !t.local && !isLoopback(t.host)) {
    note('tls.connect', t.host);
    return failSocket(new tls.TLSSocket(new net.Socket()), t.host);
  }
  return origTlsConnect.apply(this, args);
};
