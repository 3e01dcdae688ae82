import { z } from 'zod';
import { UserError } from '../errors';
import { ProxyFailure } from '../http/outbound-fetch';
import type { RegistryAuth } from './credentials';

export type Fetch = typeof fetch;

const tokenSchema = z.union([z.object({ token: z.string() }), z.object({ access_token: z.string() })]);

/**
 * Requests to one registry that answer its auth challenge (Basic, or a Bearer token from its
 * realm) and reuse the answer; a new challenge, such as a push scope after a pull, is answered again.
 */
export function registrySession(auth: RegistryAuth | undefined, fetchThrough: Fetch) {
  // A proxy that will not carry the request is the user's to fix: its message says how.
  const fetchImpl: Fetch = (input, init) =>
    fetchThrough(input, init).catch((error: unknown) => {
      throw error instanceof ProxyFailure ? new UserError(error.message) : error;
    });
  let authorization: string | undefined;
  let authorizedOrigin: string | undefined;
  const basic =
    auth?.username && auth.password ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined;

  const challengeAnswer = async (challenge: string): Promise<string | undefined> => {
    if (/^basic/i.test(challenge)) return basic;
    if (!/^bearer/i.test(challenge)) return undefined;
    const parameters = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (!parameters['realm']) return undefined;
    const url = new URL(parameters['realm']);
    for (const key of ['service', 'scope']) if (parameters[key]) url.searchParams.set(key, parameters[key]);
    const response = await fetchImpl(url, { headers: basic ? { authorization: basic } : {} });
    // No token: the request's own 401 is then what the caller reports.
    if (!response.ok) return undefined;
    const token = tokenSchema.safeParse(await response.json());
    if (!token.success) return undefined;
    return `Bearer ${'token' in token.data ? token.data.token : token.data.access_token}`;
  };

  return {
    async request(
      url: string,
      init: { method?: string; headers: Record<string, string>; body?: Buffer | ReadableStream<Uint8Array> },
    ): Promise<Response> {
      // Credentials go only to the registry that asked for them, not to a host a Location or Link header names.
      const origin = new URL(url).origin;
      const streamed = init.body instanceof ReadableStream;
      const send = () =>
        fetchImpl(url, {
          ...init,
          headers: { ...init.headers, ...(authorization && origin === authorizedOrigin ? { authorization } : {}) },
          // A blob streams from one registry to the other, never whole in memory.
          ...(streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
      const response = await send();
      const challenge = response.headers.get('www-authenticate');
      // A streamed body is spent: it cannot be sent again after a challenge (the caller asks first, without one).
      if (response.status !== 401 || !challenge || streamed) return response;
      if (authorizedOrigin && origin !== authorizedOrigin) return response;
      const answer = await challengeAnswer(challenge);
      if (!answer || (answer === authorization && origin === authorizedOrigin)) return response;
      authorization = answer;
      authorizedOrigin = origin;
      return send();
    },
    get(url: string, accept: string): Promise<Response> {
      return this.request(url, { headers: { accept } });
    },
  };
}

export type RegistrySession = ReturnType<typeof registrySession>;
