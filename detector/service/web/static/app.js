/* detector analyst page: talks to /v1 with the key from sessionStorage; no framework, no build step. */
"use strict";

const KEY_STORE = "detector.apiKey";
const RECENT_STORE = "detector.recentJobs";
const $ = (sel, root = document) => root.querySelector(sel);

/* ---------- language: the catalogue the server embedded (messages/<lang>.json), digits, calendar ---------- */

const MESSAGES = JSON.parse(document.getElementById("messages").textContent);
const PERSIAN = document.documentElement.lang === "fa"; // Solar Hijri dates, right to left
const DIGITS = document.body.dataset.digits === "fa" ? "arabext" : "latn"; // arabext: Persian digits ۰-۹
const NUMBER_LOCALE = DIGITS === "arabext" ? "fa-u-nu-arabext" : "en";
const DATE_LOCALE = PERSIAN ? `fa-IR-u-ca-persian-nu-${DIGITS}` : "en-GB";

/** The catalogue's text for ``key`` with its {name} placeholders filled from ``values``. */
function t(key, values = {}) {
  const text = MESSAGES[key];
  if (text === undefined) throw new Error(`no message "${key}" in the catalogue`);
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

/* ---------- API access and errors ---------------------------------------------------------------- */

function apiKey() {
  return sessionStorage.getItem(KEY_STORE) || "";
}

class ApiError extends Error {}

/** A readable error from a problem+json answer ("Not found: no job with id 'x'"), else the status line. */
async function problemOf(resp) {
  let text = t("err_status", { status: resp.status, text: resp.statusText || "error", path: new URL(resp.url).pathname });
  try {
    const body = await resp.json();
    if (body && body.detail) text = `${body.title || t("err_title")}: ${body.detail}`;
  } catch (_) {
    /* not JSON: keep the status line */
  }
  const err = new ApiError(text);
  err.status = resp.status;
  return err;
}

/** fetch() against /v1 with the key; throws ApiError with the problem's detail on any failure. */
async function api(path, options = {}) {
  const key = apiKey();
  if (!key) {
    throw new ApiError(t("err_no_key"));
  }
  let resp;
  try {
    resp = await fetch(path, { ...options, headers: { "X-API-Key": key, ...(options.headers || {}) } });
  } catch (e) {
    throw new ApiError(t("err_unreachable", { message: e.message }));
  }
  if (!resp.ok) throw await problemOf(resp);
  return resp;
}

function showError(err) {
  const box = $("#error");
  box.textContent = err instanceof Error ? err.message : String(err);
  box.hidden = false;
}

function clearError() {
  const box = $("#error");
  box.textContent = "";
  box.hidden = true;
}

window.addEventListener("error", (e) => showError(t("err_page", { message: e.message })));
window.addEventListener("unhandledrejection", (e) => showError(e.reason));

/* ---------- formatting ---------------------------------------------------------------------------- */

const SMALLER = { GW: ["MW", 1e3], MW: ["kW", 1e3], kW: ["W", 1e3] };

function num(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return Number(v).toLocaleString(NUMBER_LOCALE, { maximumSignificantDigits: digits });
}

/** ``v`` with ``digits`` decimals (toFixed in the page's digits). */
function fixed(v, digits) {
  return Number(v).toLocaleString(NUMBER_LOCALE, {
    minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false,
  });
}

/** How often real loads with no added block scored as high ("" when the model has no such table). */
function falseAlarmText(rate) {
  if (rate === null || rate === undefined || rate === "" || Number.isNaN(Number(rate))) return "";
  return t("false_alarm", { rate: `${num(Number(rate) * 100, 2)} %` });
}

/** "1.71 MW (1,710 kW)": the value in its unit and, for MW and GW, in the next smaller one. */
function power(value, unit) {
  if (value === null || value === undefined) return "–";
  const main = `${num(value)} ${unit}`;
  const alt = SMALLER[unit];
  return alt && (unit === "MW" || unit === "GW") ? `${main} (${num(value * alt[1])} ${alt[0]})` : main;
}

function utcText(iso) {
  return iso ? iso.replace("T", " ").replace(/:00(\+00:00|Z)$/, " UTC") : "–";
}

/** A date-time in zone ``tz``: "17 Nov 2023, 14:00"; in Persian the Solar Hijri "۱۷ آبان ۱۴۰۲ ساعت ۱۴:۰۰". */
function localText(iso, tz) {
  if (!iso) return "–";
  const fmt = new Intl.DateTimeFormat(DATE_LOCALE, {
    timeZone: tz, day: "2-digit", month: PERSIAN ? "long" : "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    ...(PERSIAN ? { hourCycle: "h23" } : {}),
  });
  return fmt.format(new Date(iso));
}

/** A UTC time for the list: "2023-11-17 14:00" (ISO), or the Solar Hijri date in UTC on the Persian page. */
function utcShort(iso) {
  if (!iso) return "–";
  return PERSIAN ? localText(iso, "UTC") : utcText(iso).slice(0, 16);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

/* ---------- key form (every page) ---------------------------------------------------------------- */

function initKeyForm(onKey) {
  const form = $("#key-form");
  const state = $("#key-state");
  const show = () => {
    const key = apiKey();
    state.textContent = key ? t("key_using", { key: key.slice(0, 10) }) : t("key_not_set");
  };
  show();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = form.key.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    form.key.value = "";
    show();
    clearError();
    try {
      await api("/v1/models"); // a cheap call that says whether the key works
      state.textContent = `${state.textContent} ✓`;
      if (onKey) await onKey();
    } catch (err) {
      sessionStorage.removeItem(KEY_STORE);
      show();
      showError(err);
    }
  });
}

/* ---------- upload page --------------------------------------------------------------------------- */

function recentJobs() {
  try {
    return JSON.parse(localStorage.getItem(RECENT_STORE) || "[]");
  } catch (_) {
    return [];
  }
}

function rememberJob(job) {
  const list = [{ id: job.id, filename: job.filename, at: job.created_at }, ...recentJobs().filter((j) => j.id !== job.id)];
  localStorage.setItem(RECENT_STORE, JSON.stringify(list.slice(0, 10)));
}

function renderRecent() {
  const ul = $("#recent");
  const jobs = recentJobs();
  if (!jobs.length) return;
  ul.replaceChildren(
    ...jobs.map((j) =>
      el("li", {}, el("a", { href: `/jobs/${j.id}`, text: j.filename }), t("recent_at", { at: utcShort(j.at) })),
    ),
  );
}

async function submitJob(form, file, fields) {
  const data = new FormData();
  data.append("file", file);
  for (const [name, value] of Object.entries(fields)) if (value !== "" && value !== null) data.append(name, value);
  const state = $("#upload-state");
  for (const b of form.querySelectorAll("button")) b.disabled = true;
  state.textContent = t("uploading", { name: file.name, size: num(file.size / 2 ** 20) });
  try {
    const job = await (await api("/v1/jobs", { method: "POST", body: data })).json();
    rememberJob(job);
    window.location.assign(`/jobs/${job.id}`);
  } catch (err) {
    state.textContent = "";
    showError(err);
  } finally {
    for (const b of form.querySelectorAll("button")) b.disabled = false;
  }
}

/** Pasted lines "timestamp,load[,temperature]" (comma, tab or semicolon) -> a CSV file of one series. */
function pastedCsv(text, seriesId) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
  if (lines.length && !/^[\d۰-۹٠-٩]/.test(lines[0])) lines.shift(); // a header line (data starts with a digit, any script)
  if (!lines.length) throw new ApiError(t("err_paste_empty"));
  const width = lines[0].split(/[,\t;]/).length;
  if (width < 2 || width > 3) {
    throw new ApiError(t("err_paste_width", { width }));
  }
  const quoted = `"${seriesId.replaceAll('"', '""')}"`;
  const out = [width === 3 ? "series_id,timestamp,load,temperature" : "series_id,timestamp,load"];
  lines.forEach((line, i) => {
    const parts = line.split(/[,\t;]/).map((p) => p.trim());
    if (parts.length !== width) {
      throw new ApiError(t("err_paste_line", { line: i + 1, width, got: parts.length, text: line }));
    }
    out.push([quoted, ...parts].join(","));
  });
  return out.join("\n") + "\n";
}

function initUpload() {
  renderRecent();
  const upload = $("#upload-form");
  upload.addEventListener("submit", (e) => {
    e.preventDefault();
    clearError();
    const file = upload.file.files[0];
    if (!file) return showError(t("err_choose_file"));
    const f = upload.elements;
    submitJob(upload, file, {
      unit: f.unit.value.trim(), timezone: f.timezone.value.trim(), country: f.country.value.trim(),
      calendar: f.calendar.value, threshold: f.threshold.value, max_false_alarm: f.max_false_alarm.value,
    });
  });
  const paste = $("#paste-form");
  paste.addEventListener("submit", (e) => {
    e.preventDefault();
    clearError();
    const f = paste.elements;
    try {
      const sid = f.series_id.value.trim() || "pasted";
      const file = new File([pastedCsv(f.rows.value, sid)], `${sid}.csv`, { type: "text/csv" });
      submitJob(paste, file, {
        unit: f.unit.value.trim(), timezone: f.timezone.value.trim(), country: f.country.value.trim(),
        calendar: f.calendar.value,
      });
    } catch (err) {
      showError(err);
    }
  });
}

/* ---------- job page: progress, then the ranked inspection list ----------------------------------- */

const job = { id: "", rows: [], view: [], sort: { key: "score", dir: -1 }, page: 0, loaded: false };

// While a job runs, the list of what is scored so far refreshes every 3 s (``?refresh=MS``, at least 500).
const PARTIAL_EVERY_MS = Math.max(500, Number(new URLSearchParams(location.search).get("refresh")) || 3000);

async function pollJob() {
  const id = job.id;
  const bar = $("#progress");
  const state = $("#job-state");
  let shownDone = 0;
  let shownAt = 0;
  for (;;) {
    const j = await (await api(`/v1/jobs/${encodeURIComponent(id)}`)).json();
    $("#job-file").textContent = j.filename;
    document.title = `${j.filename} · detector`;
    rememberJob(j);
    const c = j.counts;
    bar.value = j.progress ?? 0;
    const of = c.total === null ? "" : t("job_of", { total: num(c.total, 9) });
    const pct = j.progress === null ? "" : ` (${num(Math.round(j.progress * 100), 3)} %)`;
    const counts = { done: num(c.done, 9), of, pct, flagged: num(c.flagged, 9), failed: num(c.failed, 9) };
    if (j.state === "queued") state.textContent = t("job_queued");
    else if (j.state === "running") {
      state.textContent = t("job_running", counts);
      if (c.done > shownDone && Date.now() - shownAt >= PARTIAL_EVERY_MS) {
        await loadResults(); // the ranked list of what is scored so far, so analysts can start reading
        shownDone = c.done;
        shownAt = Date.now();
        $("#partial").hidden = false;
        $("#results").hidden = false;
        renderList();
        document.body.dataset.partial = String(job.rows.length);
      }
    } else if (j.state === "failed") {
      state.textContent = t("job_failed");
      throw new ApiError(t("err_job_failed", { reason: j.error || t("err_no_reason") }));
    } else {
      bar.value = 1;
      state.textContent = t("job_done", counts);
      return j;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function loadResults() {
  const rows = [];
  const size = 10000; // the API's largest page
  for (let offset = 0; ; offset += size) {
    const page = await (await api(`/v1/jobs/${encodeURIComponent(job.id)}/results?limit=${size}&offset=${offset}`)).json();
    rows.push(...page.items);
    if (page.items.length < size || rows.length >= page.total) break;
  }
  rows.forEach((r, i) => {
    r.rank = i + 1;
    r.onsetMs = r.onset ? Date.parse(r.onset) : null;
  });
  job.rows = rows;
}

function filtered() {
  const f = $("#filters").elements;
  const q = f.q.value.trim().toLowerCase();
  const minScore = f.min_score.value === "" ? null : Number(f.min_score.value);
  const minExcess = f.min_excess.value === "" ? null : Number(f.min_excess.value);
  const from = f.onset_from.value ? Date.parse(`${f.onset_from.value}T00:00:00Z`) : null;
  const to = f.onset_to.value ? Date.parse(`${f.onset_to.value}T00:00:00Z`) + 86400e3 : null;
  const { key, dir } = job.sort;
  const out = job.rows.filter((r) => {
    if (r.error) return f.errors.checked && (!q || r.series_id.toLowerCase().includes(q));
    if (q && !String(r.series_id).toLowerCase().includes(q)) return false;
    if (f.flagged.checked && !r.flagged) return false;
    if (minScore !== null && !(r.score >= minScore)) return false;
    if (minExcess !== null && !(r.excess_load >= minExcess)) return false;
    if (from !== null && !(r.onsetMs !== null && r.onsetMs >= from)) return false;
    if (to !== null && !(r.onsetMs !== null && r.onsetMs < to)) return false;
    return true;
  });
  const field = key === "onset" ? "onsetMs" : key;
  out.sort((a, b) => {
    const x = a[field];
    const y = b[field];
    const missing = (x === null || x === undefined || x === "") - (y === null || y === undefined || y === "");
    if (missing) return missing; // missing values last, whichever the direction
    if (typeof x === "string") return dir * x.localeCompare(y, "en", { numeric: true });
    return dir * (x - y) || a.rank - b.rank;
  });
  return out;
}

function rowOf(r) {
  const href = `/jobs/${encodeURIComponent(job.id)}/series?id=${encodeURIComponent(r.series_id)}`;
  if (r.error) {
    return el(
      "tr", { class: "failed" },
      el("td", { class: "num", text: num(r.rank, 9) }),
      el("td", {}, el("a", { href, text: r.series_id })),
      el("td", { class: "num", text: "–" }),
      el("td", {}, el("span", { class: "badge failed", text: t("badge_failed") })),
      el("td", { class: "num", text: "–" }), el("td", { class: "num", text: "–" }), el("td", { text: "–" }),
      el("td", { class: "evidence", text: r.error }),
    );
  }
  const bar = el("span", { class: "scorebar" }, el("i", { style: `width:${Math.round(r.score * 100)}%` }));
  const verdict = r.flagged
    ? el("span", { class: "badge flagged", text: t("badge_flagged") })
    : el("span", { class: "badge", text: t("badge_clear") });
  const evidence = r.evidence || "";
  return el(
    "tr", { "data-series": r.series_id },
    el("td", { class: "num", text: num(r.rank, 9) }),
    el("td", {}, el("a", { href, text: r.series_id })),
    el("td", { class: "num", title: falseAlarmText(r.false_alarm_rate) }, fixed(r.score, 3), bar),
    el("td", {}, verdict),
    el("td", { class: "num", text: r.excess_load ? `${num(r.excess_load)} ${r.unit}` : "–" }),
    el("td", {
      class: "num",
      text: r.rigs ? num(r.rigs, 4) : "–",
      // the 90 % interval of the count, where there is one (flagged series only)
      title: r.rigs && r.rigs_low != null && r.rigs_high != null ? `${num(r.rigs_low, 3)} – ${num(r.rigs_high, 3)}` : "",
    }),
    el("td", { text: utcShort(r.onset) }),
    el("td", { class: "evidence", title: evidence, text: evidence.length > 140 ? `${evidence.slice(0, 140)}…` : evidence }),
  );
}

function renderList() {
  job.view = filtered();
  const per = Number($("#per-page").value);
  const pages = Math.max(1, Math.ceil(job.view.length / per));
  job.page = Math.min(job.page, pages - 1);
  const slice = job.view.slice(job.page * per, (job.page + 1) * per);
  const body = $("#list tbody");
  body.replaceChildren(...slice.map(rowOf));
  if (!slice.length) body.append(el("tr", {}, el("td", { colspan: 8, class: "muted", text: t("no_match") })));
  $("#page-info").textContent = t("page_info", { page: num(job.page + 1, 9), pages: num(pages, 9) });
  $("#prev").disabled = job.page === 0;
  $("#next").disabled = job.page >= pages - 1;
  const flagged = job.rows.filter((r) => r.flagged && !r.error).length;
  const failed = job.rows.filter((r) => r.error).length;
  $("#summary").textContent = t("summary", {
    rows: num(job.rows.length, 9), flagged: num(flagged, 9), failed: num(failed, 9), shown: num(job.view.length, 9),
  });
  for (const b of document.querySelectorAll("#list th button")) {
    b.setAttribute("aria-sort", b.dataset.sort === job.sort.key ? (job.sort.dir < 0 ? "descending" : "ascending") : "none");
  }
  $("#list").dataset.rows = String(slice.length);
}

async function downloadCsv() {
  const resp = await api(`/v1/jobs/${encodeURIComponent(job.id)}/results?format=csv`);
  const url = URL.createObjectURL(await resp.blob());
  const a = el("a", { href: url, download: `${job.id}-scores.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function initJob() {
  job.id = document.body.dataset.job;
  const filters = $("#filters");
  filters.addEventListener("input", () => { job.page = 0; renderList(); });
  filters.addEventListener("reset", () => setTimeout(() => { job.page = 0; renderList(); }));
  $("#per-page").addEventListener("change", () => { job.page = 0; renderList(); });
  $("#prev").addEventListener("click", () => { job.page -= 1; renderList(); });
  $("#next").addEventListener("click", () => { job.page += 1; renderList(); });
  $("#download").addEventListener("click", () => downloadCsv().catch(showError));
  for (const b of document.querySelectorAll("#list th button")) {
    b.addEventListener("click", () => {
      const key = b.dataset.sort;
      const dir = job.sort.key === key ? -job.sort.dir : (key === "series_id" || key === "onset" ? 1 : -1);
      job.sort = { key, dir };
      renderList();
    });
  }
}

async function showJob() {
  if (job.loaded) return;
  clearError();
  await pollJob();
  await loadResults();
  $("#partial").hidden = true;
  $("#results").hidden = false;
  renderList();
  job.loaded = true;
  performance.mark("list-rendered");
  document.body.dataset.ready = "list";
}

/* ---------- series page: chart, evidence, data quality --------------------------------------------- */

const SEG_FILL = { flagged: "rgba(192, 57, 43, 0.16)", clear: "rgba(230, 126, 34, 0.14)" };
let chart = null;

/** uPlot plugin: the suspected segments as shaded bands under the curves. */
function bandsPlugin(segments, lastX, flagged) {
  return {
    hooks: {
      drawClear: [
        (u) => {
          const { ctx, bbox } = u;
          ctx.save();
          ctx.fillStyle = flagged ? SEG_FILL.flagged : SEG_FILL.clear;
          for (const s of segments) {
            const x0 = Math.max(u.valToPos(Date.parse(s.start) / 1e3, "x", true), bbox.left);
            const x1 = Math.min(u.valToPos(s.end ? Date.parse(s.end) / 1e3 : lastX, "x", true), bbox.left + bbox.width);
            if (x1 > x0) ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
          }
          ctx.restore();
        },
      ],
    },
  };
}

const DAY = 86400;

/** The local clock in ``tz`` at ``ts`` seconds (Solar Hijri day of month; hour and minute for aligning ticks). */
function clockIn(tz) {
  const f = new Intl.DateTimeFormat("en-u-ca-persian-nu-latn", {
    timeZone: tz, day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23",
  });
  return (ts) => Object.fromEntries(f.formatToParts(new Date(ts * 1e3)).map((p) => [p.type, Number(p.value)]));
}

/** Ticks for the Persian page's time axis: Solar Hijri month starts over long spans, else local days or hours. */
function solarHijriSplits(min, max, tz, width) {
  const clock = clockIn(tz);
  const room = Math.max(2, Math.floor(width / 80)); // at most one label per 80 px
  const c0 = clock(min);
  const midnight = min - c0.hour * 3600 - c0.minute * 60;
  if (max - min > 120 * DAY) {
    const starts = [];
    for (let s = midnight; s <= max; s += DAY) {
      if (s >= min && clock(s + DAY / 2).day === 1) starts.push(s); // noon: a DST change moves midnight, not the day
    }
    const every = Math.ceil(starts.length / room);
    return starts.filter((_, i) => i % every === 0);
  }
  const steps = [3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];
  const step = steps.find((st) => st >= (max - min) / room) || 28 * DAY;
  const out = [];
  for (let s = midnight; s <= max; s += step) if (s >= min) out.push(s);
  return out;
}

/** Axis labels for the Persian page: Solar Hijri "۱۴۰۲ مهر", "۱۷ آبان" or "۱۷ آبان، ۱۴:۰۰" by the span shown. */
function solarHijriTicks(tz) {
  const formats = [
    { month: "long", year: "numeric" },
    { day: "numeric", month: "long" },
    { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
  ].map((o) => new Intl.DateTimeFormat(DATE_LOCALE, { timeZone: tz, ...o }));
  return (u, splits) => {
    const span = u.scales.x.max - u.scales.x.min;
    const f = formats[span > 120 * DAY ? 0 : span > 4 * DAY ? 1 : 2];
    return splits.map((v) => f.format(new Date(v * 1e3)));
  };
}

function drawChart(data) {
  const r = data.report;
  const t0 = Date.parse(data.start) / 1e3;
  const n = data.load.length;
  const xs = Array.from({ length: n }, (_, i) => t0 + i * data.step_seconds);
  const unit = data.unit;
  const fmt = (digits) => (u, v) => (v === null || v === undefined ? "–" : fixed(v, digits));
  const series = [
    { label: t("chart_time", { tz: data.timezone }) },
    { label: t("chart_load", { unit }), stroke: "#1f4e79", width: 1, value: fmt(3) },
    { label: t("chart_expected", { unit }), stroke: "#7f8c8d", width: 1.5, dash: [6, 4], value: fmt(3) },
  ];
  const cols = [xs, data.load, data.expected];
  // Day-month dates in the series' zone (uPlot's defaults are US month/day).
  const local = (ts) => uPlot.tzDate(new Date(ts * 1e3), data.timezone);
  const [monthYear, dayMonth, dayHour] = ["{MMM} {YYYY}", "{D} {MMM}", "{D} {MMM} {HH}:{mm}"].map((t) => uPlot.fmtDate(t));
  const tickText = (u, splits) => {
    const span = u.scales.x.max - u.scales.x.min;
    const f = span > 120 * 86400 ? monthYear : span > 4 * 86400 ? dayMonth : dayHour;
    return splits.map((v) => f(local(v)));
  };
  series[0].value = (u, ts) => (ts === null ? "–" : uPlot.fmtDate("{D} {MMM} {YYYY} {HH}:{mm}")(local(ts)));
  const axes = [{ values: tickText, space: 70 }, { label: t("chart_load", { unit }), size: 70 }];
  if (PERSIAN) {
    axes[1].values = (u, vs) => vs.map((v) => num(v));
    series[0].value = (u, ts) => (ts === null ? "–" : localText(new Date(ts * 1e3).toISOString(), data.timezone));
    axes[0] = {
      values: solarHijriTicks(data.timezone), space: 90,
      splits: (u, i, min, max) => solarHijriSplits(min, max, data.timezone, u.bbox.width / devicePixelRatio),
    };
  }
  const scales = { x: { time: true } };
  if (data.temperature) {
    series.push({ label: t("chart_temperature"), stroke: "#d68910", width: 1, scale: "°C", show: false, value: fmt(1) });
    cols.push(data.temperature);
    axes.push({ scale: "°C", side: 1, grid: { show: false }, label: "°C", size: 50 });
  }
  series.push({ label: t("chart_block"), stroke: r.flagged ? SEG_FILL.flagged : SEG_FILL.clear, fill: r.flagged ? SEG_FILL.flagged : SEG_FILL.clear, width: 0, points: { show: false }, value: () => "" });
  cols.push(xs.map(() => null)); // legend entry for the bands drawn by the plugin
  const box = $("#chart");
  const opts = {
    width: Math.max(box.clientWidth, 320),
    height: 380,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), data.timezone),
    scales,
    series,
    axes,
    cursor: { drag: { x: true, y: false } },
    plugins: [bandsPlugin(r.segments, xs[n - 1], r.flagged)],
  };
  box.replaceChildren();
  chart = new uPlot(opts, cols, box);
  window.addEventListener("resize", () => chart.setSize({ width: Math.max(box.clientWidth, 320), height: 380 }));

  const [first, last] = [xs[0], xs[n - 1]];
  const setWindow = (min, span) => {
    const lo = Math.max(first, Math.min(min, last - span));
    chart.setScale("x", { min: lo, max: Math.min(last, lo + span) });
  };
  const centre = () => (chart.scales.x.min + chart.scales.x.max) / 2;
  const onset = r.onset ? Date.parse(r.onset) / 1e3 : null;
  for (const b of document.querySelectorAll("[data-zoom]")) {
    const which = b.dataset.zoom;
    if (which === "onset" && onset === null) b.disabled = true;
    b.onclick = () => {
      if (which === "all") chart.setScale("x", { min: first, max: last });
      else if (which === "week") setWindow(centre() - 3.5 * 86400, 7 * 86400);
      else if (which === "month") setWindow(centre() - 15 * 86400, 30 * 86400);
      else setWindow(onset - 3 * 86400, 7 * 86400);
    };
  }
  for (const b of document.querySelectorAll("[data-shift]")) {
    b.onclick = () => {
      const span = chart.scales.x.max - chart.scales.x.min;
      setWindow(chart.scales.x.min + Number(b.dataset.shift) * span, span);
    };
  }
}

/** The excess load, with a rig count only for a flagged series, and its 90 % interval where one was estimated. */
function excessText(flagged, x) {
  const args = { power: power(x.value, x.unit), rigs: num(x.rigs, 4), note: t("rig_note") };
  if (!flagged || !(x.rigs > 0)) return t("headline_excess_unflagged", args);
  if (x.rigs_low == null || x.rigs_high == null) return t("headline_excess_no_interval", args);
  return t("headline_excess", { ...args, low: num(x.rigs_low, 3), high: num(x.rigs_high, 3) });
}

function renderReport(data) {
  const r = data.report;
  const tz = data.timezone;
  const badge = $("#verdict");
  badge.textContent = r.flagged ? t("verdict_flagged") : t("verdict_clear");
  badge.className = r.flagged ? "badge flagged" : "badge";
  const parts = [t("headline_score", { score: fixed(r.score, 3), threshold: fixed(r.threshold, 3) })];
  if (r.false_alarm_rate !== null && r.false_alarm_rate !== undefined) parts.push(falseAlarmText(r.false_alarm_rate));
  if (r.segments.length) {
    const end = r.end ? t("headline_ended", { end: localText(r.end, tz) }) : t("headline_still_on");
    parts.push(
      excessText(r.flagged, r.excess_load),
      t("headline_onset", { onset: localText(r.onset, tz), tz, end }),
    );
  } else {
    parts.push(t("headline_no_block"));
  }
  $("#headline").textContent = parts.join(" ");
  const ev = $("#evidence");
  ev.replaceChildren(...(r.evidence.length ? r.evidence : [t("no_evidence")]).map((t) => el("li", { text: t })));
  const segBody = $("#segments tbody");
  segBody.replaceChildren(
    ...r.segments.map((s) =>
      el(
        "tr", {},
        el("td", { text: localText(s.start, tz) }),
        el("td", { text: s.end ? localText(s.end, tz) : t("still_on") }),
        el("td", { class: "num", text: power(s.excess_load, data.unit) }),
        el("td", { class: "num", text: fixed(s.score, 3) }),
      ),
    ),
  );
  if (!r.segments.length) segBody.append(el("tr", {}, el("td", { colspan: 4, class: "muted", text: t("none") })));
  const q = r.data_quality;
  const notes = [
    t("quality_span", {
      resolution: q.resolution ?? "?", unit: q.input_unit ?? data.unit, hours: num(q.hours, 9),
      days: num((q.hours || 0) / 24, 4), start: localText(q.start, tz), end: localText(q.end, tz), tz,
    }),
    t("quality_coverage", {
      coverage: q.coverage === undefined ? "?" : fixed(q.coverage * 100, 1), filled: num(q.gaps_filled ?? 0, 9),
      missing: num(q.missing_hours ?? 0, 9),
      longest: q.longest_gap_hours ? t("quality_longest", { hours: num(q.longest_gap_hours, 9) }) : "",
    }),
  ];
  if (q.duplicates_dropped) notes.push(t("quality_duplicates", { count: num(q.duplicates_dropped, 9) }));
  const known = new Set([
    "resolution", "hours", "coverage", "gaps_filled", "missing_hours", "timezone", "series_id", "unit", "input_unit",
    "start", "end", "warnings", "longest_gap_hours", "duplicates_dropped",
  ]);
  for (const [k, v] of Object.entries(q)) {
    if (!known.has(k)) notes.push(`${k.replaceAll("_", " ")}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  }
  notes.push(data.temperature ? t("quality_temperature") : t("quality_no_temperature"));
  if (!r.warnings.length) notes.push(t("quality_no_warnings"));
  $("#quality").replaceChildren(
    ...notes.map((t) => el("li", { text: t })),
    ...r.warnings.map((w) => el("li", { class: "warn", text: t("warning", { text: w }) })),
  );
}

/* Inspection outcomes: POST /v1/outcomes, and the ones already recorded for this series in this job. */
async function listOutcomes(jobId, sid, tz) {
  const q = `series_id=${encodeURIComponent(sid)}&job_id=${encodeURIComponent(jobId)}&limit=1000`;
  const page = await (await api(`/v1/outcomes?${q}`)).json();
  const words = { mining: t("outcome_mining"), not_mining: t("outcome_not_mining"), not_inspected: t("outcome_not_inspected") };
  const ul = $("#outcomes");
  ul.replaceChildren(
    ...page.items.map((o) =>
      el(
        "li", { "data-outcome": o.outcome },
        el("strong", { text: words[o.outcome] || o.outcome }),
        t("outcome_recorded", {
          which: o.segment_start ? t("outcome_segment_from", { start: localText(o.segment_start, tz) }) : t("outcome_whole"),
          by: o.recorded_by, at: localText(o.recorded_at, tz), note: o.note ? `: ${o.note}` : "",
        }),
      ),
    ),
  );
  if (!page.items.length) ul.append(el("li", { class: "muted", text: t("outcome_none") }));
}

function setupOutcome(data, jobId) {
  const form = $("#outcome-form");
  const select = form.elements.segment_start;
  select.replaceChildren(
    el("option", { value: "", text: t("whole_series") }),
    ...data.report.segments.map((s) =>
      el("option", { value: s.start, text: t("segment_from", { start: localText(s.start, data.timezone) }) }),
    ),
  );
  const preselect = () => {
    if (data.report.segments.length) select.value = data.report.segments[0].start; // the flagged block
  };
  preselect();
  form.onsubmit = async (e) => {
    e.preventDefault();
    clearError();
    const f = form.elements;
    const body = {
      series_id: data.series_id, outcome: f.outcome.value, job_id: jobId,
      segment_start: f.segment_start.value || null, note: f.note.value.trim() || null,
    };
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await api("/v1/outcomes", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      form.reset();
      preselect();
      await listOutcomes(jobId, data.series_id, data.timezone);
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  };
}

async function initSeries() {
  const jobId = document.body.dataset.job;
  const sid = document.body.dataset.series;
  if (!sid) throw new ApiError(t("err_no_series"));
  clearError();
  const resp = await api(`/v1/jobs/${encodeURIComponent(jobId)}/series/${encodeURIComponent(sid)}`);
  const data = await resp.json();
  renderReport(data);
  drawChart(data);
  setupOutcome(data, jobId);
  await listOutcomes(jobId, sid, data.timezone);
  performance.mark("chart-rendered");
  document.body.dataset.ready = "series";
}

/* ---------- start ----------------------------------------------------------------------------------- */

// Each page: wire its controls once, then load its data (again after a new key is entered).
const PAGES = {
  upload: { setup: initUpload, load: null },
  job: { setup: initJob, load: showJob },
  series: { setup: null, load: initSeries },
};

document.addEventListener("DOMContentLoaded", () => {
  const page = PAGES[document.body.dataset.page];
  if (!page) return;
  const load = page.load ? () => Promise.resolve().then(page.load).catch(showError) : null;
  initKeyForm(load);
  if (page.setup) page.setup();
  if (load) load();
});
