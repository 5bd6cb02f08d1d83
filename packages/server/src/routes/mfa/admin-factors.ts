/** Admins list and remove a user's factors (GoTrue's /admin/users/:id/factors). */
import { LatchkeyError } from '../../errors.js';
import { route } from '../../http/route.js';
import { factorJson, listFactors } from '../../store/factors.js';
import { findUserById } from '../../store/users.js';
import { removeFactor } from './factors.js';

export const adminListFactors = route({
  method: 'GET',
  path: '/admin/users/:id/factors',
  auth: 'admin',
  summary: "A user's MFA factors (an array, as GoTrue answers).",
  async handler({ app, params }) {
    const user = await findUserById(app.db, params.id as string);
    if (!user) throw new LatchkeyError('user_not_found');
    return { body: (await listFactors(app.db, user.id)).map(factorJson) };
  },
});

export const adminDeleteFactor = route({
  method: 'DELETE',
  path: '/admin/users/:id/factors/:fid',
  auth: 'admin',
  summary:
    "Remove a user's factor (an admin needs no aal2: the recovery path for a lost device) → the factor; sessions it raised go back to aal1.",
  body: undefined,
  async handler({ app, params, request }) {
    const user = await findUserById(app.db, params.id as string);
    if (!user) throw new LatchkeyError('user_not_found');
    const factor = await removeFactor(app, user.id, params.fid as string);
    await app.audit({
      type: 'mfa_factor_removed',
      actor: 'admin',
      userId: user.id,
      ip: request.ip,
      data: { factor_id: factor.id, factor_type: factor.factor_type, status: factor.status },
    });
    return { body: factorJson(factor) };
  },
});
