// The recomputation of the tally (trustee-sum.mjs) spread over Web Workers: adding a ballot costs
// one point decoding (a field square root with @noble/curves) per element, about 90 per CCI
// ballot, so the page splits the lines among dedicated workers, each running this same bundle
// (it installs its message handler when loaded in a DedicatedWorkerGlobalScope). The page's thread
// reads the stream, hashes the whole file, cuts and numbers the lines and checks the trackers;
// each worker parses and adds its batches and returns its partial sums encoded; the page adds
// them (group addition is commutative) and compares with tally.json. Backpressure: at most
// IN_FLIGHT batches per worker, so the file is never held in memory. Without workers (or if they
// do not start) everything runs in the page's thread: same checks, same result.
import { ScrutinError } from './groups.mjs';
import { parseElection } from './params.mjs';
import { parseTally } from './trustee-decrypt.mjs';
import {
  addEncodedSums,
  BallotAdder,
  checkTallySum,
  chunksOf,
  compareWithTally,
  emptySums,
  LineReader,
  now,
  REFUSAL,
  SLICE,
} from './trustee-sum.mjs';

const BATCH = 256 * 1024; // bytes of lines per message (about ten CCI ballots)
const IN_FLIGHT = 2;
const START_TIMEOUT_MS = 15000;
const PROGRESS_MS = 100;

/**
 * The worker's side: a function from a request to [reply, transfer list]. Requests, answered in
 * order: {op: 'init', election} → ready | failed; {op: 'lines', first, data} (lines, each ended by
 * "\n", numbered from `first`) → done {count} | failed {message}; {op: 'finish'} → sums {data}.
 */
export function sumWorkerHandler() {
  let adder = null;
  let failure = null;
  return (msg) => {
    const op = msg && msg.op;
    if (op === 'init') {
      try {
        adder = new BallotAdder(parseElection(msg.election));
        return [{ op: 'ready' }];
      } catch (err) {
        return [{ op: 'failed', message: String((err && err.message) || err) }];
      }
    }
    if (op === 'lines') {
      if (failure || !adder) return [{ op: 'failed', message: failure || 'travailleur non initialisé' }];
      const data = new Uint8Array(msg.data);
      let number = msg.first;
      let start = 0;
      try {
        while (start < data.length) {
          const end = data.indexOf(10, start);
          adder.add(data.subarray(start, end), number);
          number += 1;
          start = end + 1;
        }
      } catch (err) {
        failure = String((err && err.message) || err);
        return [{ op: 'failed', message: failure }];
      }
      return [{ op: 'done', count: number - msg.first }];
    }
    if (op === 'finish' && adder && !failure) {
      const sums = adder.encoded();
      return [{ op: 'sums', data: sums.buffer }, [sums.buffer]];
    }
    return [{ op: 'failed', message: failure || `requête inconnue ${JSON.stringify(String(op))}` }];
  };
}

/** Install the handler in a dedicated worker's global scope. */
export function installSumWorker(scope) {
  const handle = sumWorkerHandler();
  scope.onmessage = (event) => {
    const [reply, transfer] = handle(event.data);
    scope.postMessage(reply, transfer || []);
  };
}

/** One worker, requests answered in order; never rejects (a crash answers `failed`). */
class Channel {
  constructor(worker) {
    this.worker = worker;
    this.waiting = [];
    this.dead = null;
    worker.onmessage = (event) => {
      const resolve = this.waiting.shift();
      if (resolve) resolve(event.data);
    };
    worker.onerror = (event) => {
      if (event && typeof event.preventDefault === 'function') event.preventDefault();
      this.dead = `le calcul parallèle s'est interrompu (${(event && event.message) || 'erreur du travailleur'})`;
      for (const resolve of this.waiting.splice(0)) resolve({ op: 'failed', message: this.dead });
    };
  }

  get busy() {
    return this.waiting.length;
  }

  request(message, transfer = []) {
    if (this.dead) return Promise.resolve({ op: 'failed', message: this.dead });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.postMessage(message, transfer);
    });
  }

  close() {
    try {
      this.worker.terminate();
    } catch {
      /* already gone */
    }
  }
}

async function startChannels(spawn, size, electionDoc) {
  const channels = [];
  let timer;
  try {
    for (let i = 0; i < size; i++) channels.push(new Channel(spawn()));
    const started = Promise.all(channels.map((c) => c.request({ op: 'init', election: electionDoc })));
    const timeout = new Promise((resolve) => {
      if (typeof setTimeout === 'function') timer = setTimeout(() => resolve([{ op: 'failed' }]), START_TIMEOUT_MS);
    });
    const replies = await Promise.race([started, timeout]);
    if (replies.every((r) => r && r.op === 'ready')) return channels;
  } catch {
    /* no worker here: the caller sums in its own thread */
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  channels.forEach((c) => c.close());
  return null;
}

function joinLines(lines, length) {
  const out = new Uint8Array(length + lines.length);
  let at = 0;
  for (const line of lines) {
    out.set(line, at);
    at += line.length;
    out[at++] = 10;
  }
  return out;
}

/**
 * checkTallySum on `workers` workers made by `spawn()` (e.g. `() => new Worker(bundleUrl)`);
 * falls back to the page's thread if `workers` < 1, there is no `spawn`, or the workers do not
 * start. Returns {count, sha256, workers} (workers: how many did the adding, 0 = this thread).
 */
export async function checkTallySumParallel(election, tallyDoc, source, { spawn, workers = 0, onProgress } = {}) {
  parseTally(election, tallyDoc);
  const channels = spawn && workers >= 1 ? await startChannels(spawn, workers, election.document) : null;
  if (!channels) return { ...(await checkTallySum(election, tallyDoc, source, { onProgress })), workers: 0 };
  const total = tallyDoc.ballot_count;
  const reader = new LineReader();
  const inflight = new Set();
  let failure = null;
  let added = 0;
  let shown = now();
  let batch = [];
  let batchBytes = 0;
  let next = 1; // number of the first line of the next batch
  const progress = (force) => {
    if (onProgress && (force || now() - shown >= PROGRESS_MS)) {
      onProgress(added, total);
      shown = now();
    }
  };
  const check = () => {
    if (failure) throw new ScrutinError(failure.startsWith(REFUSAL) ? failure : REFUSAL + failure);
  };
  const send = async () => {
    const data = joinLines(batch, batchBytes);
    const first = next;
    next += batch.length;
    batch = [];
    batchBytes = 0;
    while (channels.every((c) => c.busy >= IN_FLIGHT)) {
      await Promise.race(inflight);
      check();
    }
    const channel = channels.reduce((a, b) => (b.busy < a.busy ? b : a));
    const job = channel.request({ op: 'lines', first, data: data.buffer }, [data.buffer]).then((reply) => {
      inflight.delete(job);
      if (reply.op === 'done') added += reply.count;
      else failure = failure || reply.message || 'le calcul parallèle a échoué';
      progress(false);
    });
    inflight.add(job);
  };
  try {
    for await (const chunk of chunksOf(source)) {
      for (let at = 0; at < chunk.length; at += SLICE) {
        for (const line of reader.push(chunk.subarray(at, at + SLICE))) {
          batch.push(line);
          batchBytes += line.length;
          if (batchBytes >= BATCH) await send();
        }
        check();
        if (reader.count > total) {
          throw new ScrutinError(
            `${REFUSAL}ballots.jsonl contient plus de bulletins que le dépouillement présenté n'en annonce (${total}).`,
          );
        }
      }
    }
    const read = reader.finish();
    if (batch.length) await send();
    await Promise.all(inflight);
    check();
    const sums = emptySums(election);
    for (const reply of await Promise.all(channels.map((c) => c.request({ op: 'finish' })))) {
      if (reply.op !== 'sums') failure = failure || reply.message;
      check();
      addEncodedSums(election, sums, new Uint8Array(reply.data));
    }
    progress(true);
    return { ...compareWithTally(election, tallyDoc, read, sums), workers: channels.length };
  } finally {
    channels.forEach((c) => c.close());
  }
}
