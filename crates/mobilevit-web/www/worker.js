// The WebAssembly classifier (crates/mobilevit-web), off the page's main thread. Messages:
//   {id, kind: "load", weights: URL}                 -> metadata
//   {id, kind: "classify", bytes, name, topk}        -> {image, topk: [{class_id, label, score}]}
//   {id, kind: "bench", size, warmup, iterations}    -> milliseconds of each forward pass at batch 1
// Answers {id, result} or {id, error}.

import init, { WebClassifier } from "./mobilevit_web.js";

let classifier;

async function load(url) {
  await init();
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`${url}: ${response.status} ${response.statusText}`);
  }
  const weights = new Uint8Array(await response.arrayBuffer());
  classifier = new WebClassifier(weights, url);
  return JSON.parse(classifier.metadata());
}

function classify({ bytes, name, topk }) {
  return JSON.parse(classifier.classify(new Uint8Array(bytes), name, topk));
}

function bench({ size, warmup, iterations }) {
  const input = new Float32Array(3 * size * size).map((_, i) => ((i * 7919) % 256) / 255);
  const times = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const start = performance.now();
    classifier.forward(input, 1, size, size);
    if (i >= warmup) times.push(performance.now() - start);
  }
  return times;
}

const handlers = { load: ({ weights }) => load(weights), classify, bench };

self.addEventListener("message", async ({ data }) => {
  try {
    const result = await handlers[data.kind](data);
    self.postMessage({ id: data.id, result });
  } catch (error) {
    self.postMessage({ id: data.id, error: error.message || String(error) });
  }
});
