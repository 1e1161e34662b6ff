#!/usr/bin/env node
// transformers.js (onnxruntime-node, CPU) greedy-generation benchmark of an Optimum-layout
// GPT-J decoder-with-past ONNX export — the peer of gptjt-streams' `bin/gptjt bench engine`.
//
// Usage:
//   node bench.mjs --model DIR [--batch-sizes 1,16] [--prompt-tokens 32] [--new-tokens 8]
//                  [--threads 2] [--repeat 1]
//
// DIR must be laid out as transformers.js expects for a local model:
//   DIR/config.json, DIR/generation_config.json, DIR/onnx/model.onnx, DIR/onnx/model.onnx_data
// (a directory of symlinks to the Optimum export is enough; see make-peer-dir.sh).
//
// What is measured, per batch size (one model load for all sizes):
//   - one warm-up generate, then `repeat` timed generates of a full batch;
//   - new tokens/s = batch * new_tokens * repeat / wall seconds of the timed generate() calls;
//   - load seconds = wall time of AutoModelForCausalLM.from_pretrained (session creation, 4 GB weights);
//   - peak RSS = VmHWM of this process (/proc/self/status) at the end.
//
// Prompts are the same token ids the project's bench builds ("Item <i%10>:" + " hello" * n, one token a
// word, see cli/.../bench/EngineBench.prompt), looked up in the model's vocab.json, so no tokenizer.json is
// needed and batch rows all have the same length (no padding; attention_mask all ones).
// EOS is ignored as in the project's Java-loop bench (eos_token_id: null => no EOS stopping criterion and no
// EOS suppression), so every row generates exactly new_tokens tokens; this is checked.

import fs from 'node:fs';
import path from 'node:path';
import { AutoModelForCausalLM, Tensor, env } from '@huggingface/transformers';

// ---- arguments -------------------------------------------------------------------------------
function parseArgs(argv) {
  const a = { model: null, batchSizes: [1, 16], promptTokens: 32, newTokens: 8, threads: 2, repeat: 1 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    switch (k) {
      case '--model': a.model = path.resolve(v); i++; break;
      case '--batch-sizes': a.batchSizes = v.split(',').map(Number); i++; break;
      case '--prompt-tokens': a.promptTokens = Number(v); i++; break;
      case '--new-tokens': a.newTokens = Number(v); i++; break;
      case '--threads': a.threads = Number(v); i++; break; // 0 = onnxruntime's default
      case '--repeat': a.repeat = Number(v); i++; break;
      default: throw new Error(`unknown argument ${k}`);
    }
  }
  if (!a.model) throw new Error('--model DIR is required');
  return a;
}

const args = parseArgs(process.argv.slice(2));
const log = (obj) => console.log(JSON.stringify({ time: new Date().toISOString(), ...obj }));

function procStatus(key) { // e.g. VmHWM -> bytes
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) * 1024 : NaN;
}
const gib = (b) => +(b / 2 ** 30).toFixed(2);

// ---- prompts: the project's "Item <v>:" + " hello"* token ids -----------------------------------
const vocab = JSON.parse(fs.readFileSync(path.join(args.model, 'vocab.json'), 'utf8'));
function tok(t) {
  if (!(t in vocab)) throw new Error(`token ${t} not in vocab.json`);
  return vocab[t];
}
function promptIds(variant, n) { // "Item 3:" -> Item, Ġ3, : ; then Ġhello until n tokens
  const ids = [tok('Item'), tok('Ġ' + variant), tok(':')];
  while (ids.length < n) ids.push(tok('Ġhello'));
  if (ids.length !== n) throw new Error(`cannot build a ${n}-token prompt`);
  return ids;
}
function batchInputs(batch, n) {
  const ids = new BigInt64Array(batch * n);
  for (let b = 0; b < batch; b++) promptIds(b % 10, n).forEach((id, j) => { ids[b * n + j] = BigInt(id); });
  return {
    input_ids: new Tensor('int64', ids, [batch, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(batch * n).fill(1n), [batch, n]),
  };
}

// ---- load ------------------------------------------------------------------------------------
env.allowRemoteModels = false; // local files only, never the Hub
env.allowLocalModels = true;

const sessionOptions = { graphOptimizationLevel: 'all' }; // as the project (ALL_OPT); spinning left at ORT's default (on), as the project
if (args.threads > 0) sessionOptions.intraOpNumThreads = args.threads;

log({ event: 'start', model: args.model, node: process.version, args,
      transformers_js: env.version, onnxruntime: env.backends.onnx?.versions ?? null });

const t0 = performance.now();
const model = await AutoModelForCausalLM.from_pretrained(args.model, {
  local_files_only: true,
  device: 'cpu',              // onnxruntime-node CPU execution provider
  dtype: 'fp32',              // file suffix '' -> onnx/model.onnx (its MatMuls are 4-bit MatMulNBits; KV cache fp32)
  use_external_data_format: true, // onnx/model.onnx_data (ORT opens it next to model.onnx; > 2 GB is fine from a path)
  session_options: sessionOptions,
});
const loadS = (performance.now() - t0) / 1000;
log({ event: 'loaded', load_s: +loadS.toFixed(2), rss_gib: gib(procStatus('VmRSS')), hwm_gib: gib(procStatus('VmHWM')),
      inputs: model.sessions.model.inputNames.length, outputs: model.sessions.model.outputNames.length });

// ---- generate --------------------------------------------------------------------------------
async function generate(batch) {
  const inputs = batchInputs(batch, args.promptTokens);
  const t = performance.now();
  const out = await model.generate({
    ...inputs,
    max_new_tokens: args.newTokens,
    do_sample: false,        // greedy
    eos_token_id: null,      // ignore EOS: exactly new_tokens per row
  });
  const s = (performance.now() - t) / 1000;
  const [rows, len] = out.dims;
  const newPerRow = len - args.promptTokens;
  if (rows !== batch || newPerRow !== args.newTokens) throw new Error(`expected ${batch}x${args.newTokens} new tokens, got ${rows}x${newPerRow}`);
  const data = Array.from(out.data, Number);
  const generated = [];
  for (let b = 0; b < Math.min(batch, 2); b++) generated.push(data.slice(b * len + args.promptTokens, (b + 1) * len));
  return { s, tokens: rows * newPerRow, generated };
}

for (const batch of args.batchSizes) {
  const w = await generate(batch); // warm-up
  log({ event: 'warmup', batch, wall_s: +w.s.toFixed(3) });
  let wall = 0, tokens = 0, generated = null;
  for (let r = 0; r < args.repeat; r++) {
    const g = await generate(batch);
    wall += g.s; tokens += g.tokens; generated = g.generated;
  }
  log({ event: 'result', tool: 'transformers.js', batch, prompt_tokens: args.promptTokens, new_tokens: args.newTokens,
        repeat: args.repeat, wall_s: +wall.toFixed(3), new_tok_per_s: +(tokens / wall).toFixed(3),
        load_s: +loadS.toFixed(2), hwm_gib: gib(procStatus('VmHWM')),
        generated_row0: generated[0], generated_row1: generated[1] ?? null });
}

log({ event: 'done', load_s: +loadS.toFixed(2), peak_rss_gib: gib(procStatus('VmHWM')) });
await model.dispose();
