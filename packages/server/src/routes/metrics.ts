import { route } from '../http/route.js';

export const metrics = route({
  method: 'GET',
  path: '/metrics',
  auth: 'admin',
  summary: 'Prometheus metrics (text format); scrape with the secret key as a bearer token.',
  async handler({ app }) {
    return { raw: app.metrics.render(app.db.poolStats()), headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } };
  },
});
