// Classifying in this page: the model runs in WebAssembly in a worker (worker.js), so the page
// stays responsive while it computes. Nothing leaves the browser.

export async function openEngine() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const pending = new Map();
  let next = 0;
  const call = (message, transfer = []) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message }, transfer);
    });
  worker.addEventListener("message", ({ data }) => {
    const { resolve, reject } = pending.get(data.id);
    pending.delete(data.id);
    if (data.error) reject(new Error(data.error));
    else resolve(data.result);
  });
  worker.addEventListener("error", (event) => {
    for (const { reject } of pending.values()) {
      reject(new Error(`the WebAssembly worker failed: ${event.message}`));
    }
    pending.clear();
  });
  const metadata = await call({ kind: "load", weights: "weights.bpk" });
  return {
    metadata,
    where: "in this page (WebAssembly)",
    async classify(file, topk) {
      const bytes = await file.arrayBuffer();
      return call({ kind: "classify", bytes, name: file.name, topk }, [bytes]);
    },
  };
}
