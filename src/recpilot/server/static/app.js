// recpilot web chat: plain JS, no build step. Talks to the REST API (/v1) with SSE streaming;
// a message with a picture goes to /v1/chat/completions (when the server has a vision model).
"use strict";

const store = {
  get key() { return localStorage.getItem("recpilot.key") || ""; },
  set key(v) { v ? localStorage.setItem("recpilot.key", v) : localStorage.removeItem("recpilot.key"); },
  get session() { return localStorage.getItem("recpilot.session") || ""; },
  set session(v) { v ? localStorage.setItem("recpilot.session", v) : localStorage.removeItem("recpilot.session"); },
};
const $ = (sel) => document.querySelector(sel);
const messages = $("#messages");
const feedbackState = new Map(); // item_id -> kind

function headers() {
  const h = { "Content-Type": "application/json" };
  if (store.key) h["Authorization"] = "Bearer " + store.key;
  return h;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function scrollDown() { window.scrollTo({ top: document.body.scrollHeight }); }

function addUser(text) {
  $("#empty").hidden = true;
  const wrap = el("div", "msg user");
  wrap.appendChild(el("div", "bubble", text));
  messages.appendChild(wrap);
  scrollDown();
}

function addBot() {
  $("#empty").hidden = true;
  const wrap = el("div", "msg bot");
  const bubble = el("div", "bubble");
  wrap.appendChild(bubble);
  messages.appendChild(wrap);
  return { wrap, bubble };
}

function renderCards(wrap, items, sessionId) {
  if (!items || !items.length) return;
  const grid = el("div", "cards");
  for (const item of items) {
    const card = $("#card-template").content.firstElementChild.cloneNode(true);
    card.dataset.itemId = item.item_id;
    card.querySelector(".title").textContent = item.title;
    card.querySelector(".time").textContent = item.time ? String(Math.round(item.time)) : "";
    const labels = card.querySelector(".labels");
    for (const g of item.labels || []) labels.appendChild(el("span", "chip", g));
    card.querySelector(".reason").textContent = item.reason;
    for (const btn of card.querySelectorAll("button.fb")) {
      if (feedbackState.get(item.item_id) === btn.dataset.kind) btn.classList.add("active");
      btn.addEventListener("click", () => sendFeedback(card, item.item_id, btn.dataset.kind, sessionId));
    }
    grid.appendChild(card);
  }
  wrap.appendChild(grid);
}

function renderTrace(wrap, trace) {
  if (!trace) return;
  const details = el("details", "trace");
  const total = trace.timings_ms && trace.timings_ms.total !== undefined ? ` · ${trace.timings_ms.total.toFixed(1)} ms` : "";
  details.appendChild(el("summary", "", `Trace: ${trace.brain} · ${trace.steps.length} tool calls · ${trace.llm_calls} LLM calls${total}`));
  for (const step of trace.steps) {
    const row = el("div", "step");
    row.appendChild(el("span", "tool", step.tool));
    row.appendChild(el("span", "", step.message));
    row.appendChild(el("span", "ms", `${step.ms.toFixed(1)} ms`));
    details.appendChild(row);
  }
  details.appendChild(el("pre", "", "plan: " + JSON.stringify(trace.plan, null, 1)));
  if (trace.timings_ms) details.appendChild(el("pre", "", "timings: " + JSON.stringify(trace.timings_ms)));
  if (trace.notes && trace.notes.length) details.appendChild(el("pre", "", "notes: " + trace.notes.join(" | ")));
  wrap.appendChild(details);
}

async function sendFeedback(card, itemId, kind, sessionId) {
  const res = await fetch("/v1/feedback", {
    method: "POST", headers: headers(),
    body: JSON.stringify({ item_id: itemId, kind, session_id: sessionId || store.session || null }),
  });
  if (!res.ok) { showError(await errorText(res)); return; }
  feedbackState.set(itemId, kind);
  for (const btn of document.querySelectorAll(`.card[data-item-id="${CSS.escape(itemId)}"] button.fb`)) {
    btn.classList.toggle("active", btn.dataset.kind === kind);
  }
}

async function errorText(res) {
  try { const body = await res.json(); return `${res.status}: ${body.error ? body.error.message : JSON.stringify(body)}`; }
  catch (e) { return `${res.status} ${res.statusText}`; }
}

function showError(text) {
  const { bubble } = addBot();
  bubble.classList.add("error");
  bubble.textContent = text;
  if (text.startsWith("401")) $("#key-dialog").showModal();
}

// Parse a text/event-stream body: yields {event, data} objects.
async function* sse(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      yield { event: name, data: data ? JSON.parse(data) : {} };
    }
  }
}

async function send(text) {
  addUser(text);
  const { wrap, bubble } = addBot();
  bubble.appendChild(el("span", "status", "Thinking…"));
  $("#send").disabled = true;
  const url = store.session ? `/v1/sessions/${encodeURIComponent(store.session)}/messages` : "/v1/sessions";
  try {
    let res = await fetch(url, { method: "POST", headers: headers(), body: JSON.stringify({ message: text, stream: true }) });
    if (res.status === 404 && store.session) { // the stored session is gone: start a new one
      store.session = "";
      res = await fetch("/v1/sessions", { method: "POST", headers: headers(), body: JSON.stringify({ message: text, stream: true }) });
    }
    if (!res.ok) { wrap.remove(); showError(await errorText(res)); return; }
    let started = false, sessionId = store.session;
    for await (const ev of sse(res)) {
      if (ev.event === "meta") {
        sessionId = ev.data.session_id; store.session = sessionId;
        if (ev.data.degraded) wrap.appendChild(el("span", "degraded", "⚠ answered without the LLM (degraded)"));
      } else if (ev.event === "delta") {
        if (!started) { bubble.textContent = ""; started = true; }
        bubble.textContent += ev.data.text;
        scrollDown();
      } else if (ev.event === "items") {
        renderCards(wrap, ev.data.items, sessionId);
      } else if (ev.event === "trace") {
        renderTrace(wrap, ev.data);
      } else if (ev.event === "error") {
        bubble.classList.add("error"); bubble.textContent = `${ev.data.status}: ${ev.data.message}`;
      }
    }
    scrollDown();
  } catch (e) {
    wrap.remove(); showError(String(e));
  } finally {
    $("#send").disabled = false;
  }
}

// A picture goes to the OpenAI-compatible endpoint (only it reads pictures), shrunk to at
// most 384 px so it fits the server's body limit; the session continues there.
let picture = "";

function shrink(file) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const scale = Math.min(1, 384 / Math.max(img.width, img.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(img.width * scale));
      canvas.height = Math.max(1, Math.round(img.height * scale));
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(img.src);
      resolve(canvas.toDataURL("image/jpeg", 0.8));
    };
    img.onerror = () => reject(new Error("that file is not a picture the browser can read"));
    img.src = URL.createObjectURL(file);
  });
}

async function sendPicture(text, url) {
  addUser(text ? `${text} [picture]` : "[picture]");
  const { wrap, bubble } = addBot();
  bubble.appendChild(el("span", "status", "Looking at the picture…"));
  $("#send").disabled = true;
  const content = [{ type: "text", text }, { type: "image_url", image_url: { url } }];
  const body = { model: "recpilot", messages: [{ role: "user", content }] };
  if (store.session) body.session_id = store.session;
  try {
    const res = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (!res.ok) { wrap.remove(); showError(await errorText(res)); return; }
    const answer = await res.json();
    const ext = answer.recpilot;
    store.session = ext.session_id;
    bubble.textContent = answer.choices[0].message.content;
    for (const note of ext.notes.filter((n) => n.startsWith("Read the picture as"))) {
      wrap.appendChild(el("p", "note", note));
    }
    renderCards(wrap, ext.items, ext.session_id);
    scrollDown();
  } catch (e) {
    wrap.remove(); showError(String(e));
  } finally {
    $("#send").disabled = false;
  }
}

function clearPicture() {
  picture = "";
  $("#picture").value = "";
  $("#attached").hidden = true;
}

async function restore() {
  if (!store.session) return;
  const res = await fetch(`/v1/sessions/${encodeURIComponent(store.session)}`, { headers: headers() });
  if (res.status === 404) { store.session = ""; return; }
  if (!res.ok) { showError(await errorText(res)); return; }
  const view = await res.json();
  for (const id of view.liked) feedbackState.set(id, "like");
  for (const id of view.disliked) if (!feedbackState.has(id)) feedbackState.set(id, "dislike");
  for (const turn of view.turns) {
    addUser(turn.message);
    const { wrap, bubble } = addBot();
    bubble.textContent = turn.reply;
    renderCards(wrap, turn.items, view.session_id);
  }
}

function newSession() {
  store.session = "";
  feedbackState.clear();
  messages.textContent = "";
  $("#empty").hidden = false;
  $("#input").focus();
}

async function init() {
  try {
    const cfg = await (await fetch("/v1/config")).json();
    $("#who").textContent = store.key ? "signed in with a key" : (cfg.anonymous ? `local user “${cfg.anonymous_user}”` : "no API key");
    if (!store.key && !cfg.anonymous) $("#key-dialog").showModal();
    $("#attach").hidden = !cfg.vision;
  } catch (e) { /* the page still works; errors show on send */ }
  await restore();
}

$("#composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("#input").value.trim();
  if (picture) {
    const url = picture;
    $("#input").value = "";
    clearPicture();
    sendPicture(text, url);
    return;
  }
  if (!text) return;
  $("#input").value = "";
  send(text);
});
$("#attach").addEventListener("click", () => $("#picture").click());
$("#picture").addEventListener("change", async () => {
  const file = $("#picture").files[0];
  if (!file) return;
  try {
    picture = await shrink(file);
    $("#attached").textContent = `picture: ${file.name} ✕`;
    $("#attached").hidden = false;
  } catch (e) { clearPicture(); showError(String(e.message || e)); }
});
$("#attached").addEventListener("click", clearPicture);
$("#input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("#composer").requestSubmit(); }
});
$("#new-session").addEventListener("click", newSession);
$("#key-button").addEventListener("click", () => { $("#key-input").value = store.key; $("#key-dialog").showModal(); });
$("#key-dialog").addEventListener("close", () => {
  if ($("#key-dialog").returnValue === "save") { store.key = $("#key-input").value.trim(); location.reload(); }
});
init();
