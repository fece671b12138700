/** One device: identity, rules, evidence, history, and the remediation form. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { DeviceType } from '../../contract/types.js';
import { loadRiskAssessor, type RiskAssessor } from '../../knowledge/advisories/index.js';
import type { Session } from '../store/access.js';
import {
  deviceDetail,
  REMEDIATION_STATES,
  type RemediationState,
  remediable,
  setRemediation,
} from '../store/queries.js';
import {
  type DashboardOptions,
  displayOf,
  field,
  formSchema,
  frameOf,
  sendPage,
  sessionOf,
} from './context.js';
import { checkExpiry } from './expiry.js';

const idParams = {
  type: 'object',
  required: ['id'],
  // Digits only (as an integer, ajv's coercion would let `1e309` through as Infinity).
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } },
} as const;

const idOf = (params: unknown) => Number((params as { id: string }).id);

export const devicePage: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const { db, log } = opts;
  let assessor: RiskAssessor | undefined;
  const showDevice = async (
    reply: FastifyReply,
    s: Session,
    id: number,
    error: string | null,
    status = 200,
  ) => {
    const d = await deviceDetail(db, id);
    if (!d) {
      return sendPage(
        reply,
        'problem',
        frameOf(s, 'Not found'),
        { heading: 'No such device', message: 'It may have been deleted.' },
        404,
      );
    }
    // Firmware risk is recomputed from the stored firmware string against today's advisories.
    assessor ??= loadRiskAssessor();
    const risks = assessor.risks(
      {
        manufacturer: d.manufacturer,
        brand: d.brand,
        deviceType: d.deviceType as DeviceType | null,
        model: d.model,
        firmware: d.firmware,
        serial: d.serial,
        confidence: d.confidence,
      },
      new Date(),
    );
    return sendPage(
      reply,
      'device',
      frameOf(s, `${d.ip} · ${d.site}`),
      { ...displayOf(opts), d, risks, states: REMEDIATION_STATES, error, remediable: remediable(d.verdict) },
      status,
    );
  };

  app.get(
    '/devices/:id',
    {
      config: { access: 'signed-in' },
      schema: { params: idParams, querystring: { type: 'object', properties: {} } },
    },
    async (req, reply) => showDevice(reply, sessionOf(req), idOf(req.params), null),
  );

  app.post(
    '/devices/:id/remediation',
    {
      config: { access: 'signed-in' },
      schema: {
        params: idParams,
        body: formSchema({ _csrf: 256, state: 32, approver: 128, reason: 1024, expires: 32 }),
      },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      const id = idOf(req.params);
      const state = field(req.body, 'state') as RemediationState;
      const approver = field(req.body, 'approver').trim() || null;
      const reason = field(req.body, 'reason').trim() || null;
      const expires = field(req.body, 'expires').trim();
      if (!REMEDIATION_STATES.includes(state))
        return showDevice(reply, s, id, 'Choose a remediation state.', 400);
      const current = await deviceDetail(db, id);
      if (current && !remediable(current.verdict))
        return showDevice(reply, s, id, 'Remediation applies only to covered or suspect devices.', 400);
      let expiresAt: string | null = null;
      if (state === 'exempted') {
        // An exception names who approved it, why, and until when (docs: remediation).
        if (!approver || !reason || !expires)
          return showDevice(
            reply,
            s,
            id,
            'An exemption needs an approver, a reason and an expiry date.',
            400,
          );
        const expiry = checkExpiry(expires);
        if (!expiry.ok) return showDevice(reply, s, id, expiry.reason, 400);
        expiresAt = expiry.expiresAt;
      }
      const ok = await setRemediation(
        db,
        id,
        { state, approver: state === 'exempted' ? approver : null, reason, expiresAt },
        s.username,
      );
      if (!ok) return showDevice(reply, s, id, null, 404);
      log.info({ deviceId: id, state, by: s.username }, 'remediation recorded');
      return reply.redirect(`/devices/${id}`, 303);
    },
  );
};
