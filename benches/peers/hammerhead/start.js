// testcafe-hammerhead as a contender of benches/peers: one proxy on two loopback
// ports and one session per upstream URL given on the command line; prints each
// proxied URL on a line of its own, then "ready", and serves until killed.
//
//   node start.js PORT1 PORT2 URL...
'use strict';

const http = require('http');
const { Proxy, Session } = require('testcafe-hammerhead');

// The abstract parts of a session, as hammerhead's own playground fills them in:
// no payload script of TestCafe's, no downloads, no authentication.
class BenchSession extends Session {
    constructor () {
        super([], {});
    }
    async getPayloadScript () {
        return '';
    }
    async getIframePayloadScript () {
        return '';
    }
    handleFileDownload () {}
    handleAttachment () {}
    handlePageError () {}
    getAuthCredentials () {
        return null;
    }
}

const [port1, port2, ...urls] = process.argv.slice(2);
if (!port1 || !port2 || urls.length === 0) {
    console.error('usage: node start.js PORT1 PORT2 URL...');
    process.exit(2);
}
const proxy = new Proxy();
// Hammerhead listens on every interface; the benches talk to loopback only.
proxy._getCreateServerMethod = () => (opts, handler) => {
    const server = http.createServer(opts, handler);
    const listen = server.listen.bind(server);
    server.listen = port => listen(port, '127.0.0.1');
    return server;
};
proxy.start({ hostname: '127.0.0.1', port1: Number(port1), port2: Number(port2) });
for (const url of urls)
    console.log(proxy.openSession(url, new BenchSession()));
console.log('ready');
process.on('SIGTERM', () => {
    proxy.close();
    process.exit(0);
});
