import { startE2E, BUSYBOX } from '../support/e2e';
import { api } from '../support/raw-http';
import { sendRaw } from './fuzz-wire';
import { traversalTar, Rng } from './fuzz-inputs';
(async () => {
  const e = await startE2E();
  try {
    const call = (m: string, p: string, b?: any, h: any = {}) => api(e.daemon.socket, m, p, b, h);
    const cr = await call('POST', '/v1.50/containers/create?name=tt', JSON.stringify({ Image: BUSYBOX, Cmd: ['sleep', '100'] })); console.log(cr.status, cr.text); const id = cr.json().Id;
    let r = await call('HEAD', `/v1.50/containers/${id}/archive?path=${encodeURIComponent('/..%2f..')}`);
    console.log('HEAD', r.status, r.headers);
    r = await call('GET', `/v1.50/containers/${id}/archive?path=${encodeURIComponent('/..%2f..')}`);
    console.log('GET', r.status, r.text.slice(0, 300));
    for (let i = 0; i < 40; i++) {
      const body = traversalTar(new Rng(i));
      const a = await sendRaw(e.daemon.socket, { method: 'PUT', path: `/v1.50/containers/${id}/archive?path=..%2F..%2F..`, body, headers: { 'Content-Type': 'application/x-tar' } }, { headersWithinMs: 5000, bodyWithinMs: 2000 });
      if (a.status !== 200 && a.status !== 400) console.log('PUT', i, a.status, a.body.toString().slice(0, 200), a.elapsedMs);
    }
  } finally { console.log(e.daemon.output().slice(-1500)); await e.dispose(); }
})();
