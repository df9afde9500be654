// The page's behaviour, whatever classifies: `engine` is a promise of
//   { metadata: {model, num_classes, preprocessing, max_body_bytes?, ...},
//     where: "on the server" | "in this page (WebAssembly)",
//     classify(file, topk) -> promise of {image, topk: [{class_id, label, score}]} }
// (engine.js: the server's POST /predict, or the static site's WebAssembly).

const TOPK = 5;

const element = (id) => document.getElementById(id);

export async function startPage(opening) {
  const input = element("image");
  let engine;
  try {
    engine = await opening;
  } catch (error) {
    element("model").textContent = "The model could not be loaded.";
    showError(error);
    return;
  }
  describeModel(engine);
  input.addEventListener("change", () => {
    if (input.files.length === 0) return;
    classify(engine, input.files[0]);
    // Choosing the same file again is a change too.
    input.value = "";
  });
  const drop = element("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) classify(engine, file);
  });
  document.body.dataset.ready = "true";
}

function describeModel(engine) {
  const { metadata } = engine;
  const pre = metadata.preprocessing;
  const [height, width] = pre.image_size;
  element("model").textContent =
    `${metadata.model}, ${metadata.num_classes} classes, running ${engine.where}. ` +
    `Preprocessing (${pre.origin}): ${pre.channel_order} ${height}x${width}, ` +
    `mean [${pre.mean.join(", ")}], std [${pre.std.join(", ")}]`;
  element("preprocessing").textContent = JSON.stringify(pre, null, 2);
}

async function classify(engine, file) {
  const list = element("predictions");
  list.replaceChildren();
  hideError();
  showPreview(file);
  const limit = engine.metadata.max_body_bytes;
  if (limit && file.size > limit) {
    showError(new Error(
      `${file.name} is ${mebibytes(file.size)} MiB; this server takes images up to ` +
        `${mebibytes(limit)} MiB`,
    ));
    return;
  }
  element("timing").textContent = "Classifying…";
  const start = performance.now();
  let prediction;
  try {
    prediction = await engine.classify(file, TOPK);
  } catch (error) {
    element("timing").textContent = "";
    showError(error);
    return;
  }
  const milliseconds = performance.now() - start;
  element("timing").textContent = `${file.name}: ${milliseconds.toFixed(0)} ms ${engine.where}`;
  list.replaceChildren(...prediction.topk.map(predictionRow));
  list.dataset.milliseconds = milliseconds.toFixed(1);
}

function predictionRow({ class_id, label, score }) {
  const row = document.createElement("li");
  row.dataset.classId = class_id;
  row.dataset.score = score;
  const text = document.createElement("div");
  text.className = "row";
  const name = document.createElement("span");
  name.className = "label";
  name.textContent = label;
  const percent = document.createElement("span");
  percent.className = "percent";
  percent.textContent = `${(100 * score).toFixed(1)}%`;
  text.append(name, percent);
  const bar = document.createElement("div");
  bar.className = "bar";
  const fill = document.createElement("div");
  fill.className = "fill";
  fill.style.width = `${(100 * score).toFixed(1)}%`;
  bar.append(fill);
  row.append(text, bar);
  return row;
}

function showPreview(file) {
  const picture = element("picture");
  if (picture.src) URL.revokeObjectURL(picture.src);
  picture.src = URL.createObjectURL(file);
  element("preview").hidden = false;
}

function showError(error) {
  const box = element("error");
  box.textContent = error.message || String(error);
  box.hidden = false;
}

function hideError() {
  element("error").hidden = true;
}

function mebibytes(bytes) {
  return (bytes / (1 << 20)).toFixed(1);
}
