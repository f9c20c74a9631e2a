// The local counselor console: polls /dev/console/api/state and calls the same case actions
// as the Slack buttons. No external assets; the person's address is never sent to this page.
"use strict";
(function () {
  const api = "/dev/console/api";
  const nameInput = document.getElementById("counselor");
  const supervisorBox = document.getElementById("supervisor");
  const statusEl = document.getElementById("status");
  const drafts = {};      // case id -> reply draft
  const closeOpen = {};   // case id -> close form open
  const errors = {};      // case id -> last error message
  let labels = { claim: "担当する", close: "対応終了", hand_back: "ボットに戻す", supervisor: "スーパーバイザーへ", take_over: "担当を引き継ぐ", approve: "承認する" };
  let outcomes = [];
  nameInput.value = localStorage.getItem("tsunagari.counselor") || "";
  nameInput.addEventListener("change", () => localStorage.setItem("tsunagari.counselor", nameInput.value.trim()));

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function counselor() {
    const name = nameInput.value.trim();
    if (!name) { nameInput.focus(); throw new Error("相談員名を入力してください"); }
    return name;
  }

  async function act(caseId, action, body) {
    try {
      const payload = Object.assign({ counselor: counselor(), supervisor: supervisorBox.checked }, body || {});
      const res = await fetch(`${api}/cases/${encodeURIComponent(caseId)}/${action}`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
      });
      const data = await res.json().catch(() => ({}));
      errors[caseId] = res.ok ? (data.message || "") : (data.message || data.detail || `エラー ${res.status}`);
      return res.ok;
    } catch (e) {
      errors[caseId] = e.message;
      return false;
    } finally {
      refresh();
    }
  }

  function clientId() {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function list(title, items) {
    if (!items || !items.length) return null;
    return el("div", {}, el("div", { class: "section-title" }, title), el("ul", {}, ...items.map((i) => el("li", {}, i))));
  }

  function renderCard(card) {
    const id = card.case_id;
    const node = el("div", { class: `card ${card.risk}`, "data-case": id });
    node.append(el("h3", {}, card.title.replace(/:[a-z_]+:\s*/g, "")));
    node.append(el("dl", { class: "fields" },
      el("dt", {}, "リスク"), el("dd", {}, card.risk_label),
      el("dt", {}, "状態"), el("dd", {}, card.state_line),
      el("dt", {}, "受付"), el("dd", {}, `${card.opened}（待ち ${card.waiting_minutes}分）`),
      el("dt", {}, "きっかけ"), el("dd", {}, card.reason_label),
      el("dt", {}, "同意"), el("dd", {}, card.consent_label)));
    if (card.flags && card.flags.length) node.append(el("div", { class: "flags" }, "⚠ 他の人への危険: " + card.flags.join("、")));
    if (card.declined) node.append(el("div", { class: "declined" }, "🚫 " + card.declined));
    if (card.triggers.length) {
      node.append(el("div", { class: "section-title" }, "本人の言葉（きっかけ）"));
      for (const t of card.triggers) node.append(el("blockquote", {}, t));
    }
    const reasons = list("判定の理由", card.reasons);
    if (reasons) node.append(reasons);
    if (card.factors.length) node.append(el("div", {}, el("b", {}, "要因 "), card.factors.join("、")));
    if (card.pathway) node.append(el("div", {}, el("b", {}, "危機経路 "), card.pathway));
    const assessment = list("アセスメント", card.assessment.map(([k, v]) => `${k}: ${v}`));
    if (assessment) node.append(assessment);
    if (card.note) node.append(el("div", {}, el("b", {}, "引き継ぎメモ "), card.note));
    const previous = list("以前の相談", card.previous);
    if (previous) node.append(previous);
    if (card.summary) node.append(el("div", {}, el("b", {}, "終了時の要約 "), card.summary));
    if (card.signoff) node.append(el("div", {}, el("b", {}, "スーパーバイザーの承認 "), card.signoff));

    const log = el("div", { class: "log" });
    for (const e of card.log) {
      const who = { person: "本人", bot: "ボット", counselor: `相談員${e.who ? "（" + e.who + "）" : ""}`, note: `メモ（${e.who}）`, system: "" }[e.role] || e.role;
      log.append(el("div", { class: e.role }, who ? el("b", {}, who + ": ") : null, e.text,
        e.role === "counselor" ? (e.delivered ? " ✓" : " …") : null));
    }
    node.append(log);

    const actions = el("div", { class: "actions" });
    if (card.actions.includes("case_claim")) actions.append(el("button", { class: "primary", onclick: () => act(id, "claim") }, labels.claim));
    if (card.actions.includes("case_close")) actions.append(el("button", { onclick: () => { closeOpen[id] = !closeOpen[id]; refresh(); } }, labels.close));
    if (card.actions.includes("case_hand_back")) actions.append(el("button", { onclick: () => {
      if (card.needs_supervisor) { const why = prompt("理由（緊急・他の人への危険があるケースでは必須）"); if (why) act(id, "hand-back", { why }); }
      else if (confirm("ボットに戻しますか？")) act(id, "hand-back");
    } }, labels.hand_back));
    if (card.actions.includes("case_take_over")) actions.append(el("button", { onclick: () => act(id, "take-over") }, labels.take_over));
    if (card.actions.includes("case_supervisor")) actions.append(el("button", { class: "danger", onclick: () => act(id, "supervisor") }, labels.supervisor));
    if (actions.childNodes.length) node.append(actions);

    if (card.actions.includes("case_close")) {
      const select = el("select", {}, ...outcomes.map((o) => el("option", { value: o.id }, o.label)));
      const summary = el("textarea", { placeholder: "次の相談員への要約（任意）", maxlength: "1000" });
      const why = el("textarea", { placeholder: card.needs_supervisor ? "理由（必須：スーパーバイザーの判断として記録）" : "理由（任意）", maxlength: "1000" });
      node.append(el("div", { class: "closeform" + (closeOpen[id] ? " open" : "") }, "結果 ", select, summary, why,
        el("button", { onclick: async () => { if (await act(id, "close", { outcome: select.value, summary: summary.value, why: why.value })) closeOpen[id] = false; } }, "終了する")));
    }
    if (card.state === "claimed") {
      const box = el("textarea", { placeholder: "本人へのメッセージ（「メモ:」で始めると本人には届きません）", "data-draft": id });
      box.value = drafts[id] || "";
      box.addEventListener("input", () => { drafts[id] = box.value; });
      const send = async () => {
        const text = box.value.trim();
        if (!text) return;
        if (await act(id, "reply", { text, client_id: clientId() })) { drafts[id] = ""; }
      };
      box.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) send(); });
      node.append(el("div", { class: "reply" }, box, el("button", { class: "primary", onclick: send }, "送信（Ctrl+Enter）")));
    }
    if (errors[id]) node.append(el("div", { class: "error" }, errors[id]));
    return node;
  }

  let lastSig = "";
  async function refresh() {
    try {
      const res = await fetch(`${api}/state`, { cache: "no-store" });
      const state = await res.json();
      labels = Object.assign(labels, state.buttons || {});
      outcomes = state.outcomes || [];
      const sig = JSON.stringify([state, errors, closeOpen]);
      statusEl.textContent = `更新 ${new Date().toLocaleTimeString()}`;
      if (sig === lastSig) return;
      lastSig = sig;
      const focused = document.activeElement && document.activeElement.getAttribute("data-draft");
      document.getElementById("alerts").replaceChildren(...(state.alerts || []).slice(0, 5).map((a) => el("div", {}, a.text,
        a.approve ? el("button", { class: "danger", onclick: () => act(a.case_id, "approve") }, labels.approve) : null)));
      document.getElementById("queue-count").textContent = `(${state.queue.length})`;
      document.getElementById("queue").replaceChildren(...state.queue.map(renderCard));
      document.getElementById("claimed").replaceChildren(...state.claimed.map(renderCard));
      document.getElementById("declined").replaceChildren(...(state.declined || []).map(renderCard));
      document.getElementById("closed").replaceChildren(...state.closed.map(renderCard));
      if (focused) {
        const box = document.querySelector(`textarea[data-draft="${focused}"]`);
        if (box) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
      }
    } catch (e) {
      statusEl.textContent = "接続できません";
    }
  }
  refresh();
  setInterval(refresh, 1500);
})();
