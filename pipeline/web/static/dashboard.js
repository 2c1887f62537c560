// Live dashboard of wires.enriched. No build step, no libraries.
//
// Story text is untrusted: every piece of it reaches the page through textContent,
// Option(text, value) or a canvas, never through an HTML parser. The server's CSP
// (script-src 'self', no inline) is the second line of defence.
//
// Data flow: EventSource('/events') -> snapshot | stories | stats events -> state ->
// one render per animation frame. The server batches pushes (every ~200 ms); the page
// keeps the last KEEP rows in memory and at most MAX_ROWS stories in the DOM.
//
// Versions: rows are grouped by story_id, one group per story. The group shows its
// latest version (highest number) with its badges; the earlier ones are one click
// away (the "n earlier" toggle); a kill notice anywhere in the group strikes the whole
// story through. A row pushed again with a known id (an exact repeat, badged REPEAT by
// the server) replaces the one shown.
"use strict";

(() => {
  const KEEP = 2000;        // rows kept in memory (filters re-render from these)
  const MAX_ROWS = 300;     // rows kept in the DOM
  const FLASH_MAX = 10;      // highlight new rows only when a frame brings this few
  const STALE_MS = 5000;    // no event for this long: the stream is dead, reconnect
  const KEPT_KINDS = new Set(["headline", "body"]); // what the clean text keeps
  const KIND_RE = /^[a-z_]{1,32}$/;

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  // -- state ---------------------------------------------------------------------------

  const state = {
    rows: [],                 // oldest first
    ids: new Set(),
    groups: new Map(),        // story_id -> rows of that story (insertion: latest last)
    expanded: new Set(),      // story_ids whose earlier versions are shown
    pending: [],              // new rows not rendered yet (oldest first)
    fullRender: true,
    stats: null,
    statsDirty: false,
    latencyHistory: [],       // [{p50, p95}] one per stats event, last 60
    filters: { section: "", agency: "", language: "", search: "" },
    paused: false,
    scheduled: false,
    sseOpen: false,
    everOpen: false,
    broker: "unknown",
    rejects: [],              // summarised dead letters, newest first
  };

  const REJECTS_KEEP = 500;

  // A push can repeat rows the snapshot just gave (both are taken from the same
  // moment on the server): rows are kept once by id.
  function addRejects(rows, replace) {
    const fresh = (Array.isArray(rows) ? rows : []).filter((r) => r && typeof r === "object");
    const all = replace ? fresh.reverse() : [...fresh.reverse(), ...state.rejects];
    const seen = new Set();
    state.rejects = all.filter((r) => {
      const id = String(r.id);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    }).slice(0, REJECTS_KEEP);
    if (!$("rejects-view").hidden) renderRejects();
  }

  const groupOf = (row) => (typeof row.story_id === "string" && row.story_id) || row.id;

  function addRows(rows) {
    for (const row of rows) {
      if (!row || typeof row.id !== "string") continue;
      if (state.ids.has(row.id)) { updateRow(row); continue; }
      state.ids.add(row.id);
      state.rows.push(row);
      state.pending.push(row);
      const key = groupOf(row);
      const group = state.groups.get(key) || [];
      state.groups.delete(key); // re-inserted: the group with news goes last (on top)
      group.push(row);
      state.groups.set(key, group);
    }
    if (state.rows.length > KEEP) {
      for (const old of state.rows.splice(0, state.rows.length - KEEP)) {
        state.ids.delete(old.id);
        const key = groupOf(old);
        const group = (state.groups.get(key) || []).filter((r) => r !== old);
        if (group.length) state.groups.set(key, group); else state.groups.delete(key);
      }
    }
    if (state.pending.length > MAX_ROWS) state.pending.splice(0, state.pending.length - MAX_ROWS);
    schedule();
  }

  function updateRow(row) {
    const at = state.rows.findIndex((r) => r.id === row.id);
    if (at < 0) return;
    const old = state.rows[at];
    state.rows[at] = row;
    const group = state.groups.get(groupOf(old)) || [];
    const i = group.indexOf(old);
    if (i >= 0) group[i] = row;
    state.pending.push(row);
  }

  function replaceRows(rows) {
    state.rows = [];
    state.ids = new Set();
    state.groups = new Map();
    state.pending = [];
    addRows(rows || []);
    state.pending = [];
    state.fullRender = true;
    schedule();
  }

  function setStats(stats) {
    if (!stats) return;
    state.stats = stats;
    state.statsDirty = true;
    const lat = stats.latency || {};
    state.latencyHistory.push({ p50: lat.p50, p95: lat.p95 });
    if (state.latencyHistory.length > 60) state.latencyHistory.shift();
    state.broker = (stats.broker && stats.broker.status) || "unknown";
    updateStatus();
    schedule();
  }

  // -- stream --------------------------------------------------------------------------

  let source = null;
  let lastEvent = 0;
  let retryTimer = 0;
  let retryDelay = 1000;

  function connect() {
    clearTimeout(retryTimer);
    if (source) source.close();
    source = new EventSource("/events");
    lastEvent = Date.now();
    source.onopen = () => {
      state.sseOpen = true;
      state.everOpen = true;
      retryDelay = 1000;
      lastEvent = Date.now();
      updateStatus();
    };
    source.onerror = () => {
      state.sseOpen = false;
      updateStatus();
      // The browser retries by itself unless it gave up (a non-200 answer, say).
      if (source.readyState === EventSource.CLOSED) reconnectLater();
    };
    const on = (name, handler) => source.addEventListener(name, (message) => {
      lastEvent = Date.now();
      let data;
      try { data = JSON.parse(message.data); } catch (err) { return; }
      handler(data);
    });
    on("snapshot", (data) => {
      replaceRows(data.stories);
      addRejects(data.deadletters, true);
      setStats(data.stats);
    });
    on("deadletters", (rows) => addRejects(rows, false));
    on("stories", (rows) => addRows(Array.isArray(rows) ? rows : []));
    on("stats", setStats);
  }

  function reconnectLater() {
    if (source) source.close();
    source = null;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10000);
  }

  // A half-open connection shows no error: stats arrive every second, so silence is one.
  setInterval(() => {
    if (source && state.sseOpen && Date.now() - lastEvent > STALE_MS) {
      state.sseOpen = false;
      updateStatus();
      reconnectLater();
    }
  }, 1000);

  function updateStatus() {
    let view;
    if (!state.sseOpen) {
      view = state.everOpen ? ["reconnecting", "reconnecting to the dashboard…"]
                            : ["connecting", "connecting…"];
    } else if (state.broker === "connected") {
      view = ["live", "live"];
    } else {
      view = ["degraded", "broker: " + state.broker];
    }
    const box = $("status");
    if (box.dataset.state !== view[0]) box.dataset.state = view[0];
    $("status-text").textContent = view[1];
    box.title = state.stats && state.stats.broker && state.stats.broker.error
      ? String(state.stats.broker.error) : "";
  }

  // -- rendering -----------------------------------------------------------------------

  function schedule() {
    if (state.scheduled) return;
    state.scheduled = true;
    requestAnimationFrame(render);
  }

  function render() {
    state.scheduled = false;
    if (!state.paused) renderRows();
    if (state.statsDirty) {
      state.statsDirty = false;
      renderStats();
    }
  }

  function accepts(row) {
    const f = state.filters;
    return (!f.section || (row.section || "(none)") === f.section)
      && (!f.agency || (row.agency || "(unknown)") === f.agency)
      && (!f.language || (row.language || "(unknown)") === f.language)
      && (!f.search || [row.headline, row.place, row.agency]
        .some((v) => typeof v === "string" && v.toLocaleLowerCase().includes(f.search)));
  }

  // A story is shown when any of its versions passes the filters.
  const groupAccepted = (group) => group.some(accepts);

  // Latest first: the highest version number, then the latest to arrive.
  function ordered(group) {
    return group.map((row, i) => [row, i])
      .sort((a, b) => ((b[0].version || 0) - (a[0].version || 0)) || (b[1] - a[1]))
      .map((pair) => pair[0]);
  }

  function badgeElements(row) {
    const out = [];
    for (const badge of Array.isArray(row.badges) ? row.badges : []) {
      if (!Array.isArray(badge)) continue;
      const kind = KIND_RE.test(String(badge[0])) ? String(badge[0]) : "unknown";
      const node = el("span", `badge badge-${kind}`, badge[1]);
      node.dataset.badge = kind;
      out.push(node);
    }
    return out;
  }

  function rowElement(row, options) {
    const opts = options || {};
    const tr = el("tr", opts.earlier ? "earlier" : "");
    if (opts.killed) tr.classList.add("killed");
    tr.dataset.id = row.id;
    tr.dataset.storyId = groupOf(row);
    if (typeof row.version === "number") tr.dataset.version = String(row.version);
    tr.dataset.agency = row.agency || "";
    tr.dataset.section = row.section || "";
    tr.dataset.language = row.language || "";
    tr.tabIndex = 0;
    const time = typeof row.time === "string" ? row.time : "";
    const cell = el("td", "c-time", time.slice(11, 19));
    cell.title = time ? `received ${time}` : "";
    const headline = row.headline || "(no headline)";
    const head = el("td", "c-headline");
    const marks = badgeElements(row);
    if (opts.killed && !opts.earlier && !marks.some((m) => m.dataset.badge === "killed")) {
      const kill = el("span", "badge badge-killed", "KILLED");
      kill.dataset.badge = "killed";
      kill.title = "a later version of this story is a kill notice";
      marks.unshift(kill);
    }
    head.append(...marks);
    if (opts.earlierCount) {
      const toggle = el("button", "versions-toggle",
                        `${opts.expanded ? "▾" : "▸"} ${opts.earlierCount} earlier`);
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", String(Boolean(opts.expanded)));
      toggle.title = opts.expanded ? "hide the earlier versions" : "show the earlier versions";
      head.append(toggle);
    }
    head.append(el("span", "headline-text", headline));
    head.title = headline; // a cut cell shows its full text on hover
    tr.append(
      cell,
      titled(el("td", "c-agency", row.agency || "–")),
      titled(el("td", "c-section", row.section || "–")),
      titled(el("td", "c-place", row.place || "–")),
      head,
    );
    return tr;
  }

  function titled(td) {
    td.title = td.textContent;
    return td;
  }

  // The rows of one story: its latest version, then (when expanded) the earlier ones.
  function groupElements(key) {
    const group = ordered(state.groups.get(key) || []);
    if (!group.length) return [];
    const killed = group.some((row) => row.withdrawn === true);
    const expanded = state.expanded.has(key);
    // A kill notice is a line or two: its own section is noise ("filed under arts"), so
    // the story's row keeps the section of its latest usable version.
    const usable = group[0].withdrawn === true ? group.find((row) => row.withdrawn !== true) : null;
    const head = rowElement(group[0], { killed, earlierCount: group.length - 1, expanded });
    if (usable && usable.section && usable.section !== group[0].section) {
      const cell = head.querySelector(".c-section");
      cell.textContent = usable.section;
      cell.title = `${usable.section} (the story's; the kill notice itself read as ${group[0].section || "none"})`;
    }
    const rows = [head];
    if (expanded) {
      for (const row of group.slice(1)) rows.push(rowElement(row, { killed, earlier: true }));
    }
    return rows;
  }

  const domGroups = new Map(); // story_id -> its <tr> elements in the table

  function removeGroup(key) {
    for (const tr of domGroups.get(key) || []) tr.remove();
    domGroups.delete(key);
  }

  function renderRows() {
    const body = $("rows");
    if (state.fullRender) {
      state.fullRender = false;
      state.pending = [];
      domGroups.clear();
      const frag = document.createDocumentFragment();
      const keys = [...state.groups.keys()];
      let n = 0;
      for (let i = keys.length - 1; i >= 0 && n < MAX_ROWS; i--) {
        if (!groupAccepted(state.groups.get(keys[i]))) continue;
        const trs = groupElements(keys[i]);
        domGroups.set(keys[i], trs);
        frag.append(...trs);
        n++;
      }
      body.replaceChildren(frag);
    } else if (state.pending.length) {
      // Flash new rows only at a readable pace: hundreds of animated rows cost frames.
      const flash = state.pending.length <= FLASH_MAX;
      const keys = [...new Set(state.pending.map(groupOf))]; // the latest news last
      state.pending = [];
      const frag = document.createDocumentFragment();
      for (let i = keys.length - 1; i >= 0; i--) {
        removeGroup(keys[i]);
        const group = state.groups.get(keys[i]);
        if (!group || !groupAccepted(group)) continue;
        const trs = groupElements(keys[i]);
        if (flash) trs[0].classList.add("fresh");
        domGroups.set(keys[i], trs);
        frag.append(...trs);
      }
      body.prepend(frag);
      while (domGroups.size > MAX_ROWS && body.lastElementChild) {
        const last = body.lastElementChild;
        if (domGroups.has(last.dataset.storyId)) removeGroup(last.dataset.storyId);
        else last.remove(); // never expected: a row no group owns
      }
    }
    $("shown").textContent = `showing ${domGroups.size} of ${state.groups.size} recent stories`;
  }

  function toggleVersions(tr) {
    const key = tr.dataset.storyId;
    if (state.expanded.has(key)) state.expanded.delete(key); else state.expanded.add(key);
    const old = domGroups.get(key) || [];
    if (!old.length) return;
    const trs = groupElements(key);
    old[0].before(...trs);
    for (const node of old) node.remove();
    domGroups.set(key, trs);
    const toggle = trs[0].querySelector(".versions-toggle");
    if (toggle) toggle.focus();
  }

  function renderStats() {
    const s = state.stats;
    const rate = Array.isArray(s.rate) ? s.rate : [];
    const last5 = rate.slice(-5);
    const perSecond = last5.length ? last5.reduce((a, b) => a + b, 0) / last5.length : 0;
    $("tile-total").textContent = Number(s.total || 0).toLocaleString();
    $("tile-rate").textContent = perSecond.toFixed(perSecond < 10 ? 1 : 0);
    $("tile-p50").textContent = formatMs(s.latency && s.latency.p50);
    $("tile-p95").textContent = formatMs(s.latency && s.latency.p95);
    $("since").textContent = `Counts since ${s.since || "?"} (dashboard start, plus the recent `
      + `stories it read first). ${s.duplicates || 0} repeats dropped by id.`;
    renderBars($("sections"), s.sections, "section");
    renderBars($("agencies"), s.agencies, "agency");
    updateOptions("section", s.sections);
    updateOptions("agency", s.agencies);
    updateOptions("language", s.languages);
    const rejected = Number(s.rejected || 0);
    $("rejects-count").textContent = rejected.toLocaleString();
    $("rejects-open").classList.toggle("has-rejects", rejected > 0);
    drawBars($("rate-chart"), rate);
    drawLatency($("latency-chart"), state.latencyHistory);
  }

  function formatMs(ms) {
    if (typeof ms !== "number") return "–";
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
  }

  function renderBars(list, pairs, facet) {
    pairs = Array.isArray(pairs) ? pairs : [];
    const max = pairs.reduce((m, p) => Math.max(m, Number(p[1]) || 0), 1);
    const frag = document.createDocumentFragment();
    for (const [name, count] of pairs) {
      const li = el("li");
      const button = el("button", "bar-name", name);
      button.type = "button";
      button.title = `show only ${facet} ${name}`;
      button.addEventListener("click", () => setFilter(facet, String(name)));
      const track = el("span", "bar-track");
      const fill = el("span", "bar-fill");
      fill.style.width = `${(100 * (Number(count) || 0)) / max}%`; // CSSOM: allowed by the CSP
      track.append(fill);
      li.append(button, track, el("span", "bar-count", count));
      frag.append(li);
    }
    list.replaceChildren(frag);
  }

  function updateOptions(facet, pairs) {
    const select = $(`filter-${facet}`);
    const names = (Array.isArray(pairs) ? pairs : []).map((p) => String(p[0])).sort();
    const key = names.join("\u0000");
    if (select.dataset.key === key) return; // unchanged: leave an open dropdown alone
    select.dataset.key = key;
    const current = state.filters[facet];
    const options = [new Option("all", "")];
    for (const name of names) options.push(new Option(name, name));
    if (current && !names.includes(current)) options.push(new Option(current, current));
    select.replaceChildren(...options);
    select.value = current;
  }

  function setFilter(facet, value) {
    state.filters[facet] = value;
    if (facet !== "search") $(`filter-${facet}`).value = value;
    state.fullRender = true;
    schedule();
  }

  // -- charts (canvas) -----------------------------------------------------------------

  function prepareCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width;
    const height = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px system-ui, sans-serif";
    return { ctx, width, height };
  }

  function drawBars(canvas, values) {
    canvas.dataset.sum = String(values.reduce((a, b) => a + b, 0)); // for tests and tools
    const { ctx, width, height } = prepareCanvas(canvas);
    const max = Math.max(1, ...values);
    const top = 14;
    const slot = width / Math.max(values.length, 1);
    ctx.fillStyle = "#3b82c4";
    values.forEach((v, i) => {
      const h = ((height - top - 1) * v) / max;
      ctx.fillRect(i * slot + 1, height - h, Math.max(1, slot - 2), h);
    });
    ctx.fillStyle = "#667";
    ctx.fillText(`max ${max}/s`, 4, 11);
    ctx.fillText("now", width - 24, 11);
  }

  function drawLatency(canvas, history) {
    const { ctx, width, height } = prepareCanvas(canvas);
    const values = history.flatMap((h) => [h.p50, h.p95]).filter((v) => typeof v === "number");
    if (!values.length) {
      ctx.fillStyle = "#667";
      ctx.fillText("no stories with a received time in the last minute", 4, 14);
      return;
    }
    const max = Math.max(1, ...values);
    const top = 14;
    const step = width / 59;
    const offset = 60 - history.length;
    for (const [key, colour] of [["p95", "#d9822b"], ["p50", "#2f7d4f"]]) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let drawing = false;
      let last = null;
      history.forEach((h, i) => {
        const v = h[key];
        if (typeof v !== "number") { drawing = false; return; }
        const x = (offset + i) * step;
        const y = height - 1 - ((height - top - 2) * v) / max;
        if (drawing) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        drawing = true;
        last = [x, y];
      });
      ctx.stroke();
      if (last) { // the latest value as a dot: visible even before there is a line
        ctx.fillStyle = colour;
        ctx.fillRect(last[0] - 3, last[1] - 2, 4, 4);
      }
    }
    ctx.fillStyle = "#667";
    ctx.fillText(`max ${formatMs(max)}`, 4, 11);
  }

  // -- one story -----------------------------------------------------------------------

  function renderRejects() {
    const frag = document.createDocumentFragment();
    for (const row of state.rejects) {
      const tr = el("tr");
      tr.dataset.reason = str(row.reason);
      const time = str(row.time);
      const when = el("td", "r-time", time.slice(11, 19));
      when.title = time;
      const what = el("td", "r-what");
      what.append(el("span", "error", str(row.error)), el("span", "preview", str(row.preview)));
      what.title = str(row.where) ? `original at ${str(row.where)}` : "";
      const name = el("td", "r-name", str(row.name) || "–");
      name.title = str(row.path) || str(row.name);
      tr.append(when, el("td", "r-reason", str(row.reason)), el("td", "r-feed", str(row.feed) || "–"),
                name, el("td", "r-size", typeof row.bytes === "number" ? `${row.bytes} B` : "–"), what);
      frag.append(tr);
    }
    $("rejects-rows").replaceChildren(frag);
    $("rejects-empty").hidden = state.rejects.length > 0;
  }

  function storyIdFromHash() {
    const match = /^#story\/(.+)$/.exec(location.hash);
    if (!match) return null;
    try { return decodeURIComponent(match[1]); } catch (err) { return null; }
  }

  let storyRequest = 0;

  async function showStoryFromHash() {
    const id = storyIdFromHash();
    const view = $("story-view");
    const rejects = location.hash === "#rejected";
    $("rejects-view").hidden = !rejects;
    if (rejects) {
      renderRejects();
      $("rejects-close").focus();
    }
    if (id === null) {
      view.hidden = true;
      return;
    }
    const request = ++storyRequest;
    clearStory();
    view.hidden = false;
    $("story-close").focus();
    let event = null;
    let message = "";
    try {
      const response = await fetch(`/api/stories/${encodeURIComponent(id)}`,
                                   { headers: { Accept: "application/json" } });
      if (response.ok) event = await response.json();
      else if (response.status === 404) message = "This story is no longer among the recent ones the dashboard keeps.";
      else message = `Could not load the story (HTTP ${response.status}).`;
    } catch (err) {
      message = "Could not load the story: the dashboard is not reachable.";
    }
    if (request !== storyRequest) return; // another story was opened meanwhile
    if (event) renderStory(event);
    else showMessage(message);
  }

  function clearStory() {
    for (const id of ["story-headline", "story-byline", "story-dateline", "story-meta",
                      "story-section", "story-source"]) {
      $(id).textContent = "";
    }
    $("story-badges").replaceChildren();
    $("story-versions").replaceChildren();
    $("story-versions-box").hidden = true;
    $("story-view").classList.remove("killed");
    $("story-body").replaceChildren();
    $("story-blocks").replaceChildren();
    $("story-legend").replaceChildren();
    $("story-message").hidden = true;
  }

  function showMessage(text) {
    const box = $("story-message");
    box.textContent = text;
    box.hidden = false;
  }

  const str = (v) => (typeof v === "string" ? v : "");

  function renderStory(event) {
    const section = event.section && typeof event.section === "object" ? event.section : {};
    const dateline = event.dateline && typeof event.dateline === "object" ? event.dateline : {};
    $("story-headline").textContent = str(event.headline) || "(no headline)";
    $("story-byline").textContent = str(event.byline);
    $("story-dateline").textContent = str(dateline.text);
    const meta = [str(event.agency), str(section.label), str(event.language),
                  str(dateline.place), event.word_count ? `${event.word_count} words` : "",
                  str(event.id)].filter(Boolean);
    $("story-meta").textContent = meta.join(" · ");
    const version = typeof event.version === "number" ? event.version : null;
    const pubstatus = str(event.pubstatus);
    const known = state.rows.find((r) => r.id === event.id);
    const marks = badgeElements(known || { badges: [] });
    const head = [el("span", "version-number", version ? `version ${version}` : "version ?")];
    if (pubstatus) head.push(el("span", "pubstatus", pubstatus));
    $("story-badges").replaceChildren(...head, ...marks);
    $("story-section").textContent = sectionText(section);
    $("story-source").textContent = sourceText(event);
    renderVersions(event);
    const body = document.createDocumentFragment();
    for (const paragraph of Array.isArray(event.body) ? event.body : []) {
      body.append(el("p", "", str(paragraph)));
    }
    $("story-body").replaceChildren(body);

    const blocks = document.createDocumentFragment();
    const stripped = new Map();
    for (const block of Array.isArray(event.blocks) ? event.blocks : []) {
      const raw = str(block && block.kind);
      const kind = KIND_RE.test(raw) ? raw : "unknown";
      const kept = KEPT_KINDS.has(kind);
      const learned = !kept && block && block.why === "learned";  // the feed taught it
      const li = el("li", `block kind-${kind} ${kept ? "kept" : "stripped"}${learned ? " learned" : ""}`);
      li.dataset.kind = kind;
      if (learned) {
        li.dataset.why = "learned";
        li.title = "learned chrome: this feed printed the line in many different stories";
      }
      const label = learned ? `${raw || "unknown"} · learned` : raw || "unknown";
      li.append(el("span", "kind-label", label), el("span", "block-text", str(block && block.text)));
      blocks.append(li);
      if (!kept) stripped.set(kind, (stripped.get(kind) || 0) + 1);
      if (learned) stripped.set("learned", (stripped.get("learned") || 0) + 1);
    }
    $("story-blocks").replaceChildren(blocks);
    const legend = document.createDocumentFragment();
    if (!stripped.size) legend.append(el("li", "hint", "nothing stripped"));
    for (const [kind, n] of stripped) {
      legend.append(el("li", `legend-item kind-${kind}`, `${kind} × ${n}`));
    }
    $("story-legend").replaceChildren(legend);
  }

  const percent = (v) => (typeof v === "number" ? `${Math.round(v * 100)} %` : "?");

  // "economy, business and finance · from the model, 62 % sure (runner-up: arts, 21 %)"
  function sectionText(section) {
    const label = str(section.label) || "no section";
    const source = str(section.source);
    let how;
    if (source === "kicker") how = `from the kicker “${str(section.kicker)}”, ${percent(section.confidence)} sure`;
    else if (source === "model") how = `from the model, ${percent(section.confidence)} sure`;
    else how = "no kicker, no model answer";
    const runner = section.runner_up && typeof section.runner_up === "object" ? section.runner_up : null;
    const alt = runner && str(runner.label) ? ` (runner-up: ${str(runner.label)}, ${percent(runner.confidence)})` : "";
    const model = str(section.model) ? ` · model ${str(section.model)}` : "";
    const unsure = section.uncertain === true ? " · uncertain: a guess, check it" : "";
    return `Section: ${label} · ${how}${alt}${unsure}${model}`;
  }

  function sourceText(event) {
    const source = event.source && typeof event.source === "object" ? event.source : {};
    const parts = [];
    if (str(source.feed)) parts.push(`feed ${str(source.feed)}`);
    if (str(source.path)) parts.push(`file ${str(source.path)}`);
    if (str(source.original_id)) parts.push(`sender's id ${str(source.original_id)}`);
    const received = str(event.received_at);
    if (received) parts.push(`received ${received}`);
    return `Source: ${parts.length ? parts.join(" · ") : "unknown"}`;
  }

  // The other versions of this story the page knows, latest first, each one click away.
  function renderVersions(event) {
    const key = str(event.story_id) || str(event.id);
    const group = ordered(state.groups.get(key) || []);
    if (group.length < 2) return;
    const list = document.createDocumentFragment();
    for (const row of group) {
      const li = el("li", row.id === event.id ? "current" : "");
      const link = el("a", "", `v${row.version || "?"} · ${(row.time || "").slice(11, 19)} · ${row.headline || "(no headline)"}`);
      link.href = `#story/${encodeURIComponent(row.id)}`;
      if (row.id === event.id) link.setAttribute("aria-current", "true");
      li.append(link, ...badgeElements(row));
      list.append(li);
    }
    $("story-versions").replaceChildren(list);
    $("story-versions-box").hidden = false;
    if (group.some((row) => row.withdrawn === true)) $("story-view").classList.add("killed");
  }

  function closeStory() {
    if (storyIdFromHash() !== null || location.hash === "#rejected") {
      history.pushState(null, "", location.pathname + location.search);
      showStoryFromHash();
    }
  }

  // -- wiring --------------------------------------------------------------------------

  function openRow(target) {
    const tr = target.closest("tr[data-id]");
    if (!tr) return;
    if (target.closest(".versions-toggle")) toggleVersions(tr);
    else location.hash = `#story/${encodeURIComponent(tr.dataset.id)}`;
  }

  function init() {
    $("rows").addEventListener("click", (e) => openRow(e.target));
    $("rows").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.target.closest(".versions-toggle")) openRow(e.target);
    });
    $("search").addEventListener("input", (e) => setFilter("search", e.target.value.trim().toLocaleLowerCase()));
    for (const facet of ["section", "agency", "language"]) {
      $(`filter-${facet}`).addEventListener("change", (e) => setFilter(facet, e.target.value));
    }
    $("filters").addEventListener("reset", (e) => {
      e.preventDefault();
      for (const facet of ["section", "agency", "language"]) setFilter(facet, "");
      $("search").value = "";
      setFilter("search", "");
    });
    $("filters").addEventListener("submit", (e) => e.preventDefault());
    $("pause").addEventListener("click", (e) => {
      state.paused = !state.paused;
      e.target.setAttribute("aria-pressed", String(state.paused));
      e.target.textContent = state.paused ? "Resume" : "Pause";
      if (!state.paused) { state.fullRender = true; schedule(); }
    });
    $("story-close").addEventListener("click", closeStory);
    $("rejects-close").addEventListener("click", closeStory);
    $("rejects-view").addEventListener("click", (e) => { if (e.target.id === "rejects-view") closeStory(); });
    $("story-view").addEventListener("click", (e) => { if (e.target.id === "story-view") closeStory(); });
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeStory(); });
    window.addEventListener("hashchange", showStoryFromHash);
    window.addEventListener("resize", () => { state.statsDirty = state.stats !== null; schedule(); });
    updateStatus();
    connect();
    showStoryFromHash();
  }

  init();
})();
