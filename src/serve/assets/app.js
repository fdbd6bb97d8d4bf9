// Search as you type: after 150 ms without a keystroke, the box's text goes
// to /api/ask (a question) or /api/search with typing=1, and the hits are drawn with text
// nodes only: a dossier's text is never markup. `data-answered` on
// #answer names the text the results shown answer.
"use strict";
(function () {
  const box = document.getElementById("q");
  const answer = document.getElementById("answer");
  if (!box || !answer) return;
  const labels = answer.dataset;
  let timer = 0, asked = 0;

  // The same rule as the server's `looks_like_question`.
  function isQuestion(text) {
    const lower = text.toLowerCase();
    if (/[谁誰?？]/.test(lower)) return true;
    const words = lower.split(/\s+/).filter(Boolean);
    if (words.some(w => w === "who" || w === "which" || w === "whose")) return true;
    return words.length >= 4 && !lower.includes(":");
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A snippet with its match in <mark>; highlight offsets count characters.
  function snippet(text, highlight) {
    const span = el("span", "snippet");
    const chars = Array.from(text);
    if (!highlight) { span.textContent = text; return span; }
    const end = Math.min(highlight[1], chars.length);
    const start = Math.min(highlight[0], end);
    span.append(chars.slice(0, start).join(""));
    if (start < end) span.append(el("mark", "", chars.slice(start, end).join("")));
    span.append(chars.slice(end).join(""));
    return span;
  }

  function hit(h) {
    const li = el("li", "hit");
    const a = el("a", "name", h.name);
    a.href = "/c/" + encodeURIComponent(h.id);
    li.append(a);
    if (h.company || h.owner) {
      const meta = el("div", "meta");
      if (h.company) meta.append(el("span", "company", h.company));
      if (h.owner) meta.append(el("span", "owner", labels.owner + " " + h.owner));
      li.append(meta);
    }
    const why = el("ul", "why");
    for (const m of h.matches) {
      const item = el("li");
      item.append(el("span", "field", m.kind + " · " + m.field), " ", snippet(m.snippet, m.highlight));
      why.append(item);
    }
    li.append(why);
    return li;
  }

  function show(body, ok) {
    const understood = document.getElementById("understood");
    const summary = document.getElementById("summary");
    const results = document.getElementById("results");
    results.replaceChildren();
    understood.hidden = true;
    summary.className = ok ? "" : "error";
    if (!ok) { summary.textContent = body.error || ""; return; }
    if (body.understood) {
      understood.hidden = false;
      understood.replaceChildren((body.fallback ? labels.fallback : labels.understood) + ": ", el("code", "", body.understood));
    }
    summary.textContent = body.total ? body.total + " " + labels.found : labels.none;
    for (const h of body.hits) results.append(hit(h));
  }

  async function run() {
    const text = box.value.trim();
    const mine = ++asked;
    history.replaceState(null, "", text ? "/?q=" + encodeURIComponent(text) : "/");
    if (!text) { show({ total: 0, hits: [] }, true); document.getElementById("summary").textContent = ""; return; }
    const api = isQuestion(text) ? "/api/ask" : "/api/search";
    try {
      // typing=1: the last word, unless a space follows it, is still being
      // typed and also matches as the start of a word (zhangw, gol).
      const typed = /\s$/.test(box.value) ? text + " " : text;
      const response = await fetch(api + "?limit=20&typing=1&q=" + encodeURIComponent(typed));
      // The session ended (signed out elsewhere, expired, token replaced):
      // the page itself now asks for the token.
      if (response.status === 401) { location.reload(); return; }
      const body = await response.json();
      if (mine === asked) { show(body, response.ok); answer.dataset.answered = text; }
    } catch (error) {
      if (mine === asked) { show({ error: String(error) }, false); answer.dataset.answered = text; }
    }
  }

  box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  const end = box.value.length;
  box.setSelectionRange(end, end);
})();
