// Classifying on the server that serves this page: GET /metadata, POST /predict.

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || `the server answered ${response.status} ${response.statusText}`);
  }
  return body;
}

export async function openEngine() {
  const metadata = await answer(await fetch("metadata"));
  return {
    metadata,
    where: "on the server",
    async classify(file, topk) {
      const form = new FormData();
      form.append("image", file, file.name);
      return answer(await fetch(`predict?topk=${topk}`, { method: "POST", body: form }));
    },
  };
}
