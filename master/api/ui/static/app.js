// brine dashboard: the live parts of a job page. The page is rendered
// by the master; this follows the job's events (GET /events, SSE) and
// adds each state as it finishes, then fetches a minion's rendered
// results when it returns.
"use strict";
(function () {
  const job = document.getElementById("job");
  if (!job || !job.dataset.live) return;
  const jid = job.dataset.jid;
  const live = document.getElementById("live");
  const section = (id) => job.querySelector('section[data-minion="' + CSS.escape(id) + '"]');
  const pending = () => job.querySelectorAll('section[data-status="waiting"], section[data-status="running"]');

  function setLive(text) { if (live) live.textContent = text; }

  // refresh replaces a minion's section with the master's rendering of
  // it, once it has returned.
  async function refresh(id) {
    const sec = section(id);
    if (!sec) return;
    const r = await fetch("/ui/jobs/" + jid + "/minions/" + encodeURIComponent(id), { credentials: "same-origin" });
    if (!r.ok) return;
    const html = await r.text();
    const t = document.createElement("template");
    t.innerHTML = html.trim();
    const fresh = t.content.firstElementChild;
    if (fresh && fresh.dataset.status === "returned") sec.replaceWith(fresh);
    done();
  }

  function done() {
    if (pending().length === 0) {
      setLive("done");
      job.dataset.done = "1";
      if (es) es.close();
    }
  }

  // progress adds one finished state of a running minion.
  function progress(id, data) {
    const sec = section(id);
    if (!sec || sec.dataset.status === "returned") return;
    sec.dataset.status = "running";
    sec.className = "minion running";
    const badge = sec.querySelector(".status");
    if (badge) badge.innerHTML = '<span class="badge run">running</span>';
    const inner = (data && data.data) || data || {};
    let ret = inner.ret || {};
    if (!("result" in ret)) {
      // Salt's form: {"ret": {"<state key>": result}}.
      const vals = Object.values(ret);
      ret = vals.length === 1 && typeof vals[0] === "object" ? vals[0] : {};
    }
    const tbody = sec.querySelector("table.live tbody");
    if (!tbody) return;
    const tr = document.createElement("tr");
    const res = ret.result === true ? "ok" : ret.result === false ? "fail" : "pending";
    tr.className = "state " + res;
    tr.dataset.state = ret.__id__ || "";
    const cells = [ret.__id__ || "", ret.name || "", ret.comment || ""];
    const mark = document.createElement("td");
    mark.innerHTML = '<span class="res ' + res + '"></span>';
    tr.appendChild(mark);
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = Array.isArray(c) ? c.join("\n") : String(c);
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
    const n = tbody.children.length;
    const p = sec.querySelector(".progress");
    if (p) p.textContent = n + (inner.len ? " of " + inner.len : "") + " states done";
  }

  let es = null;
  es = new EventSource("/events?tag=" + encodeURIComponent("salt/job/" + jid + "/*"));
  es.onopen = () => {
    setLive("live");
    // What returned between the page's rendering and now.
    pending().forEach((s) => refresh(s.dataset.minion));
  };
  es.onerror = () => setLive("reconnecting…");
  es.onmessage = (e) => {
    let ev;
    try { ev = JSON.parse(e.data); } catch (_) { return; }
    const parts = (ev.tag || "").split("/");
    // salt/job/<jid>/<kind>/<id>[/<n>]
    if (parts.length < 5 || parts[2] !== jid) return;
    const kind = parts[3], id = parts.slice(4, kind === "prog" ? -1 : undefined).join("/");
    if (kind === "prog") progress(id, ev.data);
    else if (kind === "ret") refresh(id);
  };
})();

// The jobs page: each job published from now on is added at the top as
// its salt/job/<jid>/new event comes.
(function () {
  const table = document.getElementById("jobs");
  if (!table || !table.dataset.live) return;
  const tbody = table.querySelector("tbody");
  const live = document.getElementById("live");
  const es = new EventSource("/events?tag=" + encodeURIComponent("salt/job/*/new"));
  es.onopen = () => { if (live) live.textContent = "live"; };
  es.onerror = () => { if (live) live.textContent = "reconnecting…"; };
  es.onmessage = (e) => {
    let ev;
    try { ev = JSON.parse(e.data); } catch (_) { return; }
    const d = ev.data || {};
    if (!/^[0-9]{20}$/.test(d.jid || "") || tbody.querySelector('tr[data-jid="' + d.jid + '"]')) return;
    const none = document.getElementById("nojobs");
    if (none) none.remove();
    const tr = document.createElement("tr");
    tr.dataset.jid = d.jid;
    const cell = (text, code) => {
      const td = document.createElement("td");
      const el = code ? document.createElement("code") : td;
      el.textContent = text;
      if (code) td.appendChild(el);
      tr.appendChild(td);
      return td;
    };
    const first = document.createElement("td");
    const a = document.createElement("a");
    a.href = "/ui/jobs/" + d.jid;
    const c = document.createElement("code");
    c.textContent = d.jid;
    a.appendChild(c);
    first.appendChild(a);
    tr.appendChild(first);
    cell(d.fun || "");
    const args = (d.arg || []).map((x) => {
      if (x && typeof x === "object" && x.__kwarg__) {
        return Object.keys(x).filter((k) => k !== "__kwarg__").map((k) => k + "=" + x[k]).join(" ");
      }
      return typeof x === "string" ? x : JSON.stringify(x);
    });
    cell(args.join(" "), true);
    cell((d.tgt || "") + (d.tgt_type && d.tgt_type !== "glob" ? " (" + d.tgt_type + ")" : ""), true);
    cell(String((d.minions || []).length));
    cell(d.user || "");
    cell(ev._stamp ? new Date(ev._stamp).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "");
    tbody.insertBefore(tr, tbody.firstChild);
  };
})();
