/** One device: identity, rules, evidence, history, and the remediation form. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceType } from '../../contract/types.js';
import { loadRiskAssessor, type RiskAssessor } from '../../knowledge/advisories/index.js';
import {
  deviceDetail,
  REMEDIATION_STATES,
  type RemediationState,
  remediable,
  setRemediation,
  siteOfDevice,
} from '../store/queries.js';
import { inScope } from '../store/roles.js';
import {
  type DashboardOptions,
  displayOf,
  field,
  formSchema,
  frameOf,
  scopeOf,
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
    req: FastifyRequest,
    id: number,
    error: string | null,
    status = 200,
  ) => {
    const s = sessionOf(req);
    // A device outside the user's sites is "not found", so its existence does not leak.
    const d = await deviceDetail(db, id, scopeOf(req, 'read'));
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
      {
        ...displayOf(opts),
        d,
        risks,
        error,
        remediable: remediable(d.verdict),
        // Only the forms the POST below would accept: operators record, approvers also exempt.
        canRemediate: inScope(scopeOf(req, 'remediate'), d.site),
        canExempt: inScope(scopeOf(req, 'exempt'), d.site),
        states: REMEDIATION_STATES,
      },
      status,
    );
  };

  app.get(
    '/devices/:id',
    {
      config: { access: 'read' },
      schema: { params: idParams, querystring: { type: 'object', properties: {} } },
    },
    async (req, reply) => showDevice(reply, req, idOf(req.params), null),
  );

  app.post(
    '/devices/:id/remediation',
    {
      config: { access: 'remediate' },
      schema: {
        params: idParams,
        body: formSchema({ _csrf: 256, state: 32, approver: 128, reason: 1024, expires: 32 }),
      },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      const read = scopeOf(req, 'read');
      const id = idOf(req.params);
      const showError = (message: string, status: number) => showDevice(reply, req, id, message, status);
      const site = await siteOfDevice(db, id);
      if (site === null || !inScope(read, site)) return showDevice(reply, req, id, null, 404);
      if (!inScope(scopeOf(req, 'remediate'), site))
        return showError(`Your roles do not let you record remediation at site "${site}".`, 403);
      const state = field(req.body, 'state') as RemediationState;
      // Separation of duties: only an approver for the device's site grants an exemption.
      if (state === 'exempted' && !inScope(scopeOf(req, 'exempt'), site))
        return showError(
          `An exemption at site "${site}" must be granted by a user with the approver role there; record the request and ask one.`,
          403,
        );
      // The approver named defaults to the signed-in approver; remediation_log keeps who submitted it.
      const approver = field(req.body, 'approver').trim() || (state === 'exempted' ? s.username : null);
      const reason = field(req.body, 'reason').trim() || null;
      const expires = field(req.body, 'expires').trim();
      if (!REMEDIATION_STATES.includes(state)) return showError('Choose a remediation state.', 400);
      const current = await deviceDetail(db, id, read);
      if (current && !remediable(current.verdict))
        return showError('Remediation applies only to covered or suspect devices.', 400);
      let expiresAt: string | null = null;
      if (state === 'exempted') {
        // An exception names who approved it, why, and until when (docs: remediation).
        if (!approver || !reason || !expires)
          return showError('An exemption needs an approver, a reason and an expiry date.', 400);
        const expiry = checkExpiry(expires);
        if (!expiry.ok) return showError(expiry.reason, 400);
        expiresAt = expiry.expiresAt;
      }
      const ok = await setRemediation(
        db,
        id,
        { state, approver: state === 'exempted' ? approver : null, reason, expiresAt },
        s.username,
        req.ip,
      );
      if (!ok) return showDevice(reply, req, id, null, 404);
      log.info({ deviceId: id, state, by: s.username }, 'remediation recorded');
      return reply.redirect(`/devices/${id}`, 303);
    },
  );
};
