// Preloaded into the latency bench's server (`--count-queries`): counts the SQL statements the
// pg driver sends, by their first 90 characters, and writes the counts to OL_COUNT_QUERIES_FILE
// when the server is told to stop. Plain JS: it is loaded by `node -r` before the TS hook.
const { writeFileSync } = require('node:fs');
const pg = require(require.resolve('pg', { paths: [process.cwd()] }));
const send = pg.Client.prototype.query;
const counts = new Map();
pg.Client.prototype.query = function (q, ...rest) {
  const text = String(typeof q === 'string' ? q : q && q.text).replace(/\s+/g, ' ').slice(0, 90);
  counts.set(text, (counts.get(text) || 0) + 1);
  return send.call(this, q, ...rest);
};
process.on('SIGTERM', () => {
  const rows = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  writeFileSync(process.env.OL_COUNT_QUERIES_FILE, JSON.stringify(rows));
});
