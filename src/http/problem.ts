/** RFC 9457 problem details: every error leaves Vigil as `application/problem+json`. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../kernel/errors.ts';
import { describeAjvErrors } from '../kernel/validate.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problemType = (t: string) => `urn:vigil:problem:${t}`;

export function sendProblem(
  reply: FastifyReply,
  req: FastifyRequest,
  status: number,
  type: string,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  const body: Problem = {
    type: problemType(type),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: req.url.split('?')[0],
    request_id: String(req.id),
    ...extra,
  };
  return reply.code(status).type('application/problem+json').send(body);
}

/** Maps thrown errors (domain, validation, body parsing, limits) to problems; unknown → 500, logged. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof VigilError) {
    return sendProblem(reply, req, err.status, err.type, err.message, err.details ?? {});
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const errors = describeAjvErrors(fe.validation as any).map((e) => ({
      ...e,
      path: `${fe.validationContext ?? 'body'}${e.path === '(root)' ? '' : `.${e.path}`}`,
    }));
    return sendProblem(
      reply,
      req,
      400,
      'validation-failed',
      errors.map((e) => `${e.path} ${e.message}`).join('; ') || fe.message,
      { errors },
    );
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendProblem(reply, req, 413, 'body-too-large', 'request body exceeds the limit');
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendProblem(reply, req, 415, 'unsupported-media-type', fe.message);
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const type =
      fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || /JSON/i.test(fe.message)
        ? 'malformed-body'
        : 'bad-request';
    return sendProblem(reply, req, fe.statusCode, type, fe.message);
  }
  req.log.error({ err }, 'unhandled error');
  return sendProblem(
    reply,
    req,
    500,
    'internal',
    'internal error; see the server log for request id ' + req.id,
  );
}
