import { crypto as sigstoreCrypto, dsse } from '@sigstore/core';
import { z } from 'zod';
import type { Signer, VerifyKey } from './signer';

/** The payload type of a DSSE envelope that carries an in-toto Statement. */
export const inTotoPayloadType = 'application/vnd.in-toto+json';
/** The media type of an envelope as a registry stores it (cosign and in-toto use the same). */
export const dsseMediaType = 'application/vnd.dsse.envelope.v1+json';

/** An in-toto Statement v1 about one image: its subject is the repository and the image manifest's digest. */
export interface Statement<P = unknown> {
  _type: 'https://in-toto.io/Statement/v1';
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: string;
  predicate: P;
}

export function statement<P>(repository: string, manifestDigest: string, predicateType: string, predicate: P): Statement<P> {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: repository, digest: { sha256: manifestDigest.replace(/^sha256:/, '') } }],
    predicateType,
    predicate,
  };
}

const envelopeSchema = z.object({
  payloadType: z.string(),
  payload: z.string(),
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string() })),
});
/** A DSSE envelope in its JSON form: payload and signatures base64 (standard alphabet). */
export type Envelope = z.infer<typeof envelopeSchema>;

/** The statement in a DSSE envelope, signed over DSSE's pre-authentication encoding (PAE) of its JSON. */
export async function signStatement(content: Statement, signer: Signer): Promise<Envelope> {
  const payload = Buffer.from(JSON.stringify(content));
  const signature = await signer.sign(dsse.preAuthEncoding(inTotoPayloadType, payload));
  return {
    payloadType: inTotoPayloadType,
    payload: payload.toString('base64'),
    signatures: [{ keyid: signer.keyId, sig: signature.toString('base64') }],
  };
}

/** What an envelope's bytes hold: its statement when a signature verifies with `key`, else why not. */
export function openEnvelope(bytes: Buffer, key: VerifyKey): { statement: Statement } | { problem: string } {
  let envelope: Envelope;
  try {
    envelope = envelopeSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch {
    return { problem: 'is not a DSSE envelope' };
  }
  if (envelope.payloadType !== inTotoPayloadType) return { problem: `carries ${envelope.payloadType}, not an in-toto statement` };
  const payload = Buffer.from(envelope.payload, 'base64');
  const signed = dsse.preAuthEncoding(envelope.payloadType, payload);
  const verified = envelope.signatures.some(({ sig }) =>
    sigstoreCrypto.verify(signed, key.publicKey, Buffer.from(sig, 'base64'), 'sha256'),
  );
  if (!verified) {
    const ids = envelope.signatures.map((signature) => signature.keyid || '(none)').join(', ');
    return { problem: `has no signature that verifies with the key ${key.keyId.slice(0, 12)} (signed by key id ${ids})` };
  }
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as Statement;
    if (parsed._type !== 'https://in-toto.io/Statement/v1' || !Array.isArray(parsed.subject))
      return { problem: 'signs no in-toto Statement v1' };
    return { statement: parsed };
  } catch {
    return { problem: 'signs a payload that is not JSON' };
  }
}
