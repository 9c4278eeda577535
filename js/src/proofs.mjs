// Disjunctive Chaum–Pedersen proofs that an ElGamal ciphertext encrypts one of v₀ … v_{n−1}
// (docs/protocol.md §6.1), with the Fiat–Shamir transcript of §6.
import { Transcript } from './transcript.mjs';

function transcript(group, ctx, ct, n) {
  return new Transcript(ctx.tag)
    .text(group.name)
    .bytes(ctx.electionFingerprint)
    .u32(ctx.question)
    .u32(ctx.index)
    .element(group, ctx.publicKey)
    .element(group, ct.alpha)
    .element(group, ct.beta)
    .u32(n);
}

/**
 * Prove that `ct` = Enc(values[real]; nonce) under ctx.publicKey.
 *
 * `rnd` = { w, fakes: [{ challenge, response }, …] } — the n−1 simulated branches in branch order,
 * skipping the real one — exactly the randomness layout of the shared vectors.
 *
 * The commitments are the protocol's: for a simulated branch j,
 *     A_j = s_j·B − c_j·α,   B_j = s_j·Y − c_j·(β − v_j·B);
 * since the prover knows α = r·B and β = m·B + r·Y, they are computed as the same group elements
 *     A_j = (s_j − c_j·r)·B,   B_j = (s_j − c_j·r)·Y − c_j·(m − v_j)·B,
 * which only multiplies the two points that have precomputed tables (B and the prepared Y).
 */
export function proveDisjunctive(group, ctx, ct, message, nonce, values, real, rnd, prepared) {
  const n = values.length;
  if (rnd.fakes.length !== n - 1) throw new Error('one simulated branch per non-real value');
  const Y = prepared;
  const t = transcript(group, ctx, ct, n);
  const challenges = new Array(n).fill(0n);
  const responses = new Array(n).fill(0n);
  let fake = 0;
  let sumFakes = 0n;
  const m = group.sFrom(message);
  for (let j = 0; j < n; j++) {
    let A;
    let Bj;
    if (j === real) {
      A = group.baseMul(rnd.w);
      Bj = group.mul(Y, rnd.w);
    } else {
      const { challenge: c, response: s } = rnd.fakes[fake++];
      challenges[j] = c;
      responses[j] = s;
      sumFakes = group.sAdd(sumFakes, c);
      const e = group.sSub(s, group.sMul(c, nonce));
      A = group.baseMul(e);
      Bj = group.sub(group.mul(Y, e), group.baseMul(group.sMul(c, group.sSub(m, group.sFrom(values[j])))));
    }
    t.u32(values[j]).element(group, A).element(group, Bj);
  }
  const c = t.challenge(group);
  challenges[real] = group.sSub(c, sumFakes);
  responses[real] = group.sAdd(rnd.w, group.sMul(challenges[real], nonce));
  return { challenges, responses };
}

/** Verification exactly as §6.1 (public inputs only). */
export function verifyDisjunctive(group, ctx, ct, values, proof) {
  const n = values.length;
  if (proof.challenges.length !== n || proof.responses.length !== n) return false;
  const Y = ctx.publicKey;
  const t = transcript(group, ctx, ct, n);
  let sum = 0n;
  for (let j = 0; j < n; j++) {
    const c = proof.challenges[j];
    const s = proof.responses[j];
    sum = group.sAdd(sum, c);
    const A = group.sub(group.baseMul(s), group.mulPublic(ct.alpha, c));
    const shifted = group.sub(ct.beta, group.small(values[j]));
    const Bj = group.sub(group.mulPublic(Y, s), group.mulPublic(shifted, c));
    t.u32(values[j]).element(group, A).element(group, Bj);
  }
  return t.challenge(group) === sum;
}

export function randomDisjunctive(group, branches) {
  const fakes = [];
  const w = group.randomScalar();
  for (let j = 0; j < branches - 1; j++) {
    fakes.push({ challenge: group.randomScalar(), response: group.randomScalar() });
  }
  return { w, fakes };
}
