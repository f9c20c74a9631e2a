// The local chat page: a person on LINE, through the same pipeline (bot/channels/local.py).
// Loaded as a file: the page policy (CSP) runs no inline script.
"use strict";
(() => {
  const api = "/dev/chat/api";
  let session = localStorage.getItem("tsunagari-session");
  let next = 0;
  const log = document.getElementById("log"), quick = document.getElementById("quick"), status = document.getElementById("status");

  function newSession() {
    const bytes = new Uint8Array(12); crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
  }
  async function post(path, body) {
    const r = await fetch(api + path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).detail || r.status);
    return r.json();
  }
  function bubble(role, text) {
    const row = document.createElement("div"); row.className = "msg " + role;
    const b = document.createElement("div"); b.className = "bubble"; b.textContent = text;
    row.appendChild(b); log.appendChild(row); log.scrollTop = log.scrollHeight;
  }
  function showQuick(items) {
    quick.innerHTML = "";
    (items || []).forEach(q => {
      const btn = document.createElement("button"); btn.type = "button"; btn.textContent = q.label;
      btn.onclick = () => send(q.data ? {postback: q.data, label: q.text || q.label} : {text: q.text || q.label});
      quick.appendChild(btn);
    });
  }
  async function send(body) {
    showQuick([]);
    try { await post("/send", Object.assign({session}, body)); status.textContent = ""; }
    catch (e) { status.textContent = "送信できませんでした: " + e.message; }
  }
  async function poll() {
    try {
      const r = await fetch(`${api}/messages?session=${encodeURIComponent(session)}&after=${next}`);
      if (r.ok) {
        const data = await r.json();
        data.messages.forEach(m => { bubble(m.role, m.text); if (m.role === "bot") showQuick(m.quick_replies); });
        next = data.next; status.textContent = "";
      }
    } catch (e) { status.textContent = "サーバーにつながりません"; }
    setTimeout(poll, 600);
  }
  document.getElementById("form").onsubmit = ev => {
    ev.preventDefault();
    const t = document.getElementById("text"); const text = t.value.trim();
    if (text) { send({text}); t.value = ""; }
  };
  document.getElementById("text").addEventListener("keydown", ev => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); document.getElementById("form").requestSubmit(); }
  });
  document.getElementById("reset").onclick = ev => { ev.preventDefault(); localStorage.removeItem("tsunagari-session"); location.reload(); };
  (async () => {
    if (!session) { session = newSession(); localStorage.setItem("tsunagari-session", session); await post("/start", {session}).catch(() => {}); }
    poll();
  })();
})();
