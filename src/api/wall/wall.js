// The wall display: keeps the active incidents from /ws/alerts (a snapshot, then deltas),
// resumes from its last sequence number after a reconnect, and redraws every second so
// deadlines count down on the server's clock.
"use strict";

const LEVELS = ["red", "orange", "yellow"];
const STEP_ZH = { ack: "首接确认", verified: "核实", responded: "回应", joint_response: "联合响应", closed: "办结" };
const PLATFORM_ZH = { weibo: "微博", douyin: "抖音", kuaishou: "快手", wechat: "微信", zhihu: "知乎", tieba: "贴吧",
  news: "新闻", bilibili: "B站", xiaohongshu: "小红书", toutiao: "头条" };

const wall = {
  seq: 0,
  incidents: new Map(),
  skewMs: 0, // server now − client now
  connected: false,
  problems: [],
  fresh: new Set(),
  retryMs: 500,
};

const token = new URLSearchParams(location.search).get("token");

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function serverNow() {
  return Date.now() + wall.skewMs;
}

function noteServerTime(now) {
  const t = Date.parse(now);
  if (!Number.isNaN(t)) wall.skewMs = t - Date.now();
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let url = `${scheme}://${location.host}/ws/alerts?since=${wall.seq}`;
  if (token) url += `&token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(url);
  socket.onopen = () => {
    wall.connected = true;
    wall.retryMs = 500;
    document.body.dataset.connected = "true";
    renderBanner();
  };
  socket.onmessage = (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    handle(message);
  };
  socket.onclose = () => {
    wall.connected = false;
    document.body.dataset.connected = "false";
    renderBanner();
    setTimeout(connect, wall.retryMs);
    wall.retryMs = Math.min(wall.retryMs * 2, 10000);
  };
}

function handle(message) {
  if (message.now) noteServerTime(message.now);
  switch (message.type) {
    case "snapshot":
      wall.incidents.clear();
      for (const incident of message.incidents) wall.incidents.set(incident.event_id, incident);
      wall.seq = message.seq;
      break;
    case "delta": {
      const incident = message.incident;
      const before = wall.incidents.get(incident.event_id);
      if (incident.active) {
        wall.incidents.set(incident.event_id, incident);
        if (!before || before.level !== incident.level) wall.fresh.add(incident.event_id);
      } else {
        wall.incidents.delete(incident.event_id);
      }
      wall.seq = Math.max(wall.seq, message.seq);
      break;
    }
    case "status":
      renderStatus(message);
      return;
    default:
      return;
  }
  document.body.dataset.seq = String(wall.seq);
  render();
}

function renderStatus(status) {
  const c = status.counters;
  document.getElementById("c-rate").textContent = c.posts_per_s == null ? "–" : c.posts_per_s.toFixed(1);
  document.getElementById("c-matched").textContent = c.posts_matched.toLocaleString("zh-CN");
  for (const level of LEVELS) document.getElementById(`c-${level}`).textContent = c.open[level] ?? 0;
  const failing = c.failing_receivers.length;
  document.getElementById("c-failing").textContent = failing + (c.dead_letters ? ` / 死信 ${c.dead_letters}` : "");
  document.getElementById("c-failing-box").classList.toggle("bad", failing > 0 || c.dead_letters > 0);
  wall.problems = status.problems;
  renderBanner();
}

function renderBanner() {
  const banner = document.getElementById("banner");
  const lines = [];
  if (!wall.connected) lines.push("与引擎的连接中断，正在重连… 画面停在断开前");
  lines.push(...wall.problems);
  banner.hidden = lines.length === 0;
  banner.className = wall.connected ? "problem" : "reconnecting";
  banner.textContent = lines.join("　|　");
}

function formatCount(n) {
  if (n >= 1e8) return `${(n / 1e8).toFixed(1)}亿`;
  if (n >= 1e4) return `${(n / 1e4).toFixed(1)}万`;
  return String(n ?? 0);
}

function formatDuration(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (x) => String(x).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}

function sparkline(counts) {
  if (!counts || counts.length === 0) return "";
  const max = Math.max(1, ...counts);
  const n = counts.length;
  const points = counts.map((c, i) => `${(i / Math.max(1, n - 1)) * 100},${30 - (c / max) * 28}`).join(" ");
  return `<svg class="spark" viewBox="0 0 100 30" preserveAspectRatio="none" aria-label="近60分钟发帖速率">` +
    `<polygon points="0,30 ${points} 100,30"></polygon><polyline points="${points}"></polyline></svg>`;
}

function deadlineHtml(incident) {
  const next = incident.next_deadline;
  if (!next) return `<span class="deadline">${escapeHtml(STEP_ZH[incident.state] ?? incident.state)}</span>`;
  const left = Date.parse(next.due_at) - serverNow();
  const step = STEP_ZH[next.step] ?? next.step;
  if (left < 0) return `<span class="deadline overdue" data-overdue="true">${step} 超时 ${formatDuration(left)}</span>`;
  const soon = left < 10 * 60 * 1000 ? " soon" : "";
  return `<span class="deadline${soon}">${step} 剩 ${formatDuration(left)}</span>`;
}

// Who of the departments the response needs has acknowledged, and who is missing.
function departmentsHtml(incident) {
  const departments = incident.departments ?? [];
  if (departments.length === 0) return "";
  const joined = departments.filter((d) => d.at).length;
  const missing = departments.filter((d) => !d.at).map((d) => escapeHtml(d.department));
  const rest = missing.length ? `　待：<b>${missing.join("、")}</b>` : "　已全部到位";
  return `<div class="departments">联合响应 ${joined}/${departments.length}${rest}</div>`;
}

function cardHtml(incident) {
  const domains = (incident.domains ?? []).map((d) => `<span class="tag">${escapeHtml(d)}</span>`).join("");
  const placeLabel = incident.place_kind === "ip" ? "IP属地" : "属地";
  const place = incident.place ? `<span class="place">${placeLabel} ${escapeHtml(incident.place)}</span>` : "";
  const platforms = (incident.platforms ?? []).map((p) => PLATFORM_ZH[p] ?? p).join(" · ");
  const fresh = wall.fresh.has(incident.event_id) ? " fresh" : "";
  return `<article class="card${fresh}" data-event-id="${escapeHtml(incident.event_id)}" data-level="${escapeHtml(incident.level)}">
  <div class="top">${domains}${place}<span class="platforms">${escapeHtml(platforms)}</span></div>
  <div class="excerpt">${escapeHtml(incident.excerpt || incident.title)}</div>
  ${departmentsHtml(incident)}
  <div class="bottom">
    <span class="figure">传播 <b>${formatCount(incident.reach)}</b></span>
    <span class="figure">帖 <b>${formatCount(incident.total_posts)}</b></span>
    ${sparkline(incident.velocity)}
    ${deadlineHtml(incident)}
  </div>
</article>`;
}

function render() {
  const byLevel = { red: [], orange: [], yellow: [] };
  for (const incident of wall.incidents.values()) (byLevel[incident.level] ?? byLevel.yellow).push(incident);
  for (const level of LEVELS) {
    const list = byLevel[level].sort((a, b) => Date.parse(b.escalated_at) - Date.parse(a.escalated_at));
    const section = document.querySelector(`section[data-level="${level}"]`);
    section.querySelector(".count").textContent = list.length ? `(${list.length})` : "";
    const cards = section.querySelector(".cards");
    cards.innerHTML = list.length ? list.map(cardHtml).join("") : `<div class="empty">暂无</div>`;
    fitCards(cards);
  }
  wall.fresh.clear();
}

// Cards that do not fit the column are taken off and counted at its foot, newest kept.
function fitCards(cards) {
  const limit = cards.getBoundingClientRect().bottom - parseFloat(getComputedStyle(cards).paddingBottom);
  const fits = (element) => element.getBoundingClientRect().bottom <= limit;
  const all = [...cards.querySelectorAll(".card")];
  let keep = all.length;
  while (keep > 1 && !fits(all[keep - 1])) keep--;
  if (keep === all.length) return;
  for (const card of all.slice(keep)) card.remove();
  const more = document.createElement("div");
  more.className = "more";
  cards.appendChild(more);
  more.textContent = `另有 ${all.length - keep} 起未显示`;
  while (keep > 1 && !fits(more)) {
    all[--keep].remove();
    more.textContent = `另有 ${all.length - keep} 起未显示`;
  }
}

function tick() {
  const now = new Date(serverNow());
  document.getElementById("clock").textContent = now.toLocaleTimeString("zh-CN", { hour12: false });
  // Countdowns only: re-render the deadline spans without rebuilding the cards.
  for (const card of document.querySelectorAll(".card")) {
    const incident = wall.incidents.get(card.dataset.eventId);
    const span = card.querySelector(".deadline");
    if (incident && span) span.outerHTML = deadlineHtml(incident);
  }
}

if (token) {
  for (const id of ["daily", "weekly"]) {
    const link = document.getElementById(id);
    link.href += `&token=${encodeURIComponent(token)}`;
  }
}
render();
tick();
setInterval(tick, 1000);
// Fitting cards depends on the font's metrics and the screen's size.
document.fonts.ready.then(render);
window.addEventListener("resize", render);
connect();
