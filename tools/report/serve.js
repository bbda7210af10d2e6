// The live page of cjsim serve: the plan's controls, the requests, and the answers drawn with the
// report's own sections (report.js: cards, cumulative profit with the crossover day, flows,
// daily spend) plus the paired differences and the money each channel could not spend.
//
// Requests (tools/README.md "cjsim serve"): GET /api/scenario once, then POST /api/run with
// {client, seq, variant, set: ["key=value", ...]} for every change; the token from the address's
// fragment goes in an Authorization header. Slider moves are debounced; a release sends at once.
// Every request has a higher seq than the last, the server cancels a page's older plans, and the
// page draws only the answer to its latest request, so the latest of several quick moves wins.
//
// Contract with the browser test (tests/serve/check_serve.py): <html data-cjsim-ready="true">
// after the first answer is drawn, data-cjsim-seq = the request whose answer is on the page,
// data-cjsim-error on failure; window.cjsimLatencies holds {seq, ms} from release to drawn.
(function () {
  'use strict';

  const root = document.documentElement;
  const el = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => (
    { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const status = (text, kind) => {
    el('status').textContent = text;
    el('status').dataset.kind = kind || '';
  };
  const fail = (message) => {
    root.dataset.cjsimError = message;
    status(message, 'error');
    console.error('cjsim serve: ' + message);
  };
  window.cjsimLatencies = [];

  // The token travels in the fragment (never sent to a server, never in a log); it is moved to
  // this tab's session storage and the address bar is cleaned, so a projector does not show it.
  let token = null;
  const found = /(?:^#|&)token=([0-9a-f]{32})(?:&|$)/.exec(location.hash);
  if (found) {
    token = found[1];
    try { sessionStorage.setItem('cjsim-token', token); } catch (e) { /* private mode */ }
    history.replaceState(null, '', location.pathname);
  } else {
    try { token = sessionStorage.getItem('cjsim-token'); } catch (e) { token = null; }
  }
  if (!token) {
    fail('This page needs the address cjsim serve printed (it ends in #token=…): open that one.');
    return;
  }
  const client = Array.from(crypto.getRandomValues(new Uint8Array(9)),
    (b) => b.toString(16).padStart(2, '0')).join('');

  async function api(path, body) {
    const r = await fetch(path, {
      method: body ? 'POST' : 'GET', cache: 'no-store', credentials: 'omit',
      headers: Object.assign({ Authorization: `Bearer ${token}` },
        body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await r.json(); } catch (e) { data = { message: `HTTP ${r.status}` }; }
    return { status: r.status, data };
  }

  // ---- the plan --------------------------------------------------------------------------------
  let S = null;          // GET /api/scenario
  const state = { variant: null, customers: 0, budgets: [] };
  const variantOf = (name) => S.variants.find((v) => v.name === name);
  const round2 = (x) => Math.round(x * 100) / 100;
  let money = (x) => String(Math.round(x));  // replaced by the report's formatter at the first answer

  // The overrides of the current plan: the population, and every channel moved off the file's plan.
  function overrides() {
    const v = variantOf(state.variant);
    const set = [`simulation.customers=${state.customers}`];
    v.channels.forEach((ch, c) => {
      const b = state.budgets[c];
      if (!ch.set || Math.abs(b - ch.budget) < 0.005) return;
      if (ch.set.kind === 'amounts') {
        ch.set.keys.forEach((k, i) => set.push(`${k}=${round2(b * ch.set.weights[i])}`));
      } else {
        set.push(`${ch.set.key}=[` + ch.set.flights.map((f) => `{ from = ${f.from}, to = ${f.to}, `
          + `amount = ${round2(b * f.weight)} }`).join(', ') + ']');
      }
    });
    return set;
  }

  // ---- controls --------------------------------------------------------------------------------
  function sliderRow(box, id, label, max, value, plan, onInput, disabledReason) {
    const row = document.createElement('div');
    row.className = 'slider-row';
    const step = max > 0 ? Math.max(0.01, Number((max / 400).toPrecision(1))) : 1;
    row.innerHTML = `<label for="${id}">${esc(label)}</label>`
      + `<output id="${id}-value" for="${id}"></output>`
      + `<input type="range" id="${id}" min="0" max="${max}" step="${step}" value="${value}"`
      + `${disabledReason ? ' disabled' : ''}>`
      + `<span class="plan-mark" id="${id}-plan"></span>`;
    box.appendChild(row);
    const input = row.querySelector('input');
    if (disabledReason) row.title = disabledReason;
    input.addEventListener('input', () => onInput(Number(input.value), false));
    input.addEventListener('change', () => onInput(Number(input.value), true));
    const show = (v) => {
      el(`${id}-value`).textContent = money(v);
      el(`${id}-plan`).textContent = plan > 0 ? `plan ${money(plan)}` : 'not in the plan';
    };
    show(value);
    return { input, show };
  }

  let rows = [], totalRow = null;
  function showValues() {
    const v = variantOf(state.variant);
    rows.forEach((r, c) => { r.input.value = state.budgets[c]; r.show(state.budgets[c]); });
    const total = state.budgets.reduce((a, b) => a + b, 0);
    totalRow.input.value = total;
    totalRow.show(total);
    el('reset').disabled = v.channels.every((ch, c) => Math.abs(state.budgets[c] - ch.budget) < 0.005)
      && state.customers === S.customers;
  }

  function buildSliders() {
    const v = variantOf(state.variant);
    state.budgets = v.channels.map((ch) => ch.budget);
    const box = el('sliders');
    box.innerHTML = '';
    el('total-box').innerHTML = '';
    totalRow = sliderRow(el('total-box'), 'budget-total', 'Total budget', 2 * v.total, v.total, v.total,
      (x, released) => {
        // The total moves every channel in proportion (the file's shares when all are at 0).
        const now = state.budgets.reduce((a, b) => a + b, 0);
        state.budgets = v.channels.map((ch, c) => {
          if (!ch.set) return state.budgets[c];
          const share = now > 0 ? state.budgets[c] / now : ch.budget / (v.total || 1);
          return Math.min(ch.slider_max, round2(share * x));
        });
        changed(released);
      });
    rows = v.channels.map((ch, c) => sliderRow(box, `budget-${c}`, ch.label, ch.slider_max, ch.budget,
      ch.budget, (x, released) => { state.budgets[c] = round2(x); changed(released); },
      ch.set ? '' : ch.fixed_reason));
    rows.forEach((r, c) => { r.input.dataset.channel = v.channels[c].name; });
    showValues();
  }

  function buildControls() {
    const box = el('variant-box');
    if (S.variants.length > 1) {
      box.innerHTML = '<label>Strategy and world</label>';
      const seg = document.createElement('div');
      seg.className = 'seg vertical';
      seg.setAttribute('role', 'group');
      S.variants.forEach((v) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.dataset.variant = v.name;
        b.textContent = prettyName(v.name);
        b.title = v.description;
        b.setAttribute('aria-pressed', String(v.name === state.variant));
        b.addEventListener('click', () => {
          if (state.variant === v.name) return;
          seg.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
          state.variant = v.name;
          buildSliders();
          send();
        });
        seg.appendChild(b);
      });
      box.appendChild(seg);
    }
    const sizes = new Set([1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000,
      2000000, 5000000, 10000000, S.customers, S.variants[0].customers]);
    const pop = el('population');
    [...sizes].filter((n) => n >= 1 && n <= S.limits.max_customers).sort((a, b) => a - b).forEach((n) => {
      const o = document.createElement('option');
      o.value = String(n);
      o.textContent = n.toLocaleString('en') + (n === S.variants[0].customers ? ' (the file)' : '');
      pop.appendChild(o);
    });
    pop.value = String(state.customers);
    pop.addEventListener('change', () => { state.customers = Number(pop.value); changed(true); });
    el('reset').addEventListener('click', () => {
      state.customers = S.customers;
      pop.value = String(state.customers);
      buildSliders();
      changed(true);
    });
    el('save').addEventListener('click', save);
    buildSliders();
  }
  const prettyName = (name) => {
    const s = String(name).replace(/_minded\b/g, '-minded').replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  };

  // ---- requests: debounced while dragging, at once on release, the latest wins ------------------
  let seq = 0, timer = null, releasedAt = null;
  function changed(released) {
    showValues();
    if (released) {
      releasedAt = performance.now();
      send();
    } else {
      clearTimeout(timer);
      timer = setTimeout(send, 250);
    }
  }
  async function send() {
    clearTimeout(timer);
    const mine = ++seq;
    const started = releasedAt !== null ? releasedAt : performance.now();
    releasedAt = null;
    root.dataset.cjsimSent = String(mine);
    status(`Running ${S.limits.replicates} replicates of ${state.customers.toLocaleString('en')} customers…`, 'busy');
    let answer;
    try {
      answer = await api('/api/run', { client, seq: mine, variant: state.variant, set: overrides() });
    } catch (e) {
      if (mine === seq) fail(`The server did not answer (${e.message}): is cjsim serve still running?`);
      return;
    }
    if (mine !== seq || answer.data.status === 'superseded') return;  // a newer request is on its way
    if (answer.status !== 200) {
      showProblem(answer.data);
      status('The server refused this plan', 'error');
      return;
    }
    el('problem').hidden = true;
    draw(answer.data, mine, started);
  }
  function showProblem(data) {
    el('problem').hidden = false;
    el('problem').textContent = (data && data.message) || 'the request was refused';
  }

  // ---- drawing an answer ------------------------------------------------------------------------
  const KEY_DIFFS = ['profit', 'revenue', 'spend', 'new_customers', 'purchases', 'romi', 'ltv', 'repeat_rate'];
  function draw(a, mine, started) {
    const D = a.page;
    D.variants[0].label = "The file's plan";
    D.variants[1].label = 'This plan';
    const R = window.cjsimReport(D);
    money = R.fmtMoney;
    showValues();
    R.glance();
    R.compareChart();
    el('compare-h').textContent = 'Cumulative profit: this plan against the file\'s';
    R.chart('chart-flows', R.flowOption('this_plan'));
    drawDiffs(a, R);
    drawBudgets(a, R, D);
    R.chart('chart-spend', R.spendOption());
    el('command').textContent = a.command;
    const t = a.timing || {};
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (mine !== seq) return;
      const ms = performance.now() - started;
      window.cjsimLatencies.push({ seq: mine, ms, run_ms: t.run_ms, cached: t.cached });
      root.dataset.cjsimSeq = String(mine);
      root.dataset.cjsimReady = 'true';
      status(`Up to date: ${a.replicates} replicates × ${a.customers.toLocaleString('en')} customers × `
        + `${a.days} days in ${(ms / 1000).toFixed(2)} s${t.cached ? ' (runs already made)' : ''}.`, 'ok');
    }));
  }

  function drawDiffs(a, R) {
    const defs = a.kpis.defs;
    el('diff-cards').innerHTML = KEY_DIFFS.map((id) => {
      const k = defs.findIndex((d) => d.id === id);
      if (k < 0) return '';
      const d = a.kpis.difference[k], def = defs[k];
      const mean = d.mean, hw = R.isNum(d.ci_high) && R.isNum(d.ci_low) ? (d.ci_high - d.ci_low) / 2 : NaN;
      const sign = R.isNum(mean) && mean > 0 ? '+' : '';
      const clear = R.isNum(d.ci_low) && R.isNum(d.ci_high) && (d.ci_low > 0 || d.ci_high < 0);
      const zero = R.isNum(mean) && mean === 0 && (!R.isNum(hw) || hw === 0);
      const word = zero ? 'the same' : !R.isNum(mean) ? 'n/a' : clear ? (mean > 0 ? 'more, for sure' : 'less, for sure')
        : 'within the noise';
      const kind = zero || !clear ? 'same' : (mean > 0) === (id !== 'spend') ? 'up' : 'down';
      return `<div class="card diff ${kind}"><h3>${esc(def.label)}</h3>`
        + `<p class="big">${R.checked(R.isNum(mean) ? mean : 'n/a', sign + R.fmtUnit(mean, def.unit), `diff:${id}`)}`
        + `${R.isNum(hw) && hw > 0 ? ` <small>± ${R.fmtSpread(hw, def.unit, mean)}</small>` : ''}</p>`
        + `<p class="word">${word}</p></div>`;
    }).join('');
  }

  function drawBudgets(a, R, D) {
    const rowsB = a.budgets.map((b, c) => Object.assign({ c, label: D.channels[c].label }, b))
      .filter((b) => b.planned > 0 || b.spent > 0 || b.file_planned > 0);
    const unspent = rowsB.reduce((s, b) => s + b.unspent, 0);
    const planned = rowsB.reduce((s, b) => s + b.planned, 0);
    el('budget-note').innerHTML = unspent > 0.005 * planned
      ? `${R.checked(unspent, R.fmtMoney(unspent), 'unspent-total')} of this plan's ${R.fmtMoney(planned)} `
        + 'could not be spent: a channel with too few customers to reach carries its money forward and '
        + 'may end the horizon with some of it left.'
      : `Every channel spent its budget (${R.checked(unspent, R.fmtMoney(unspent), 'unspent-total')} left `
        + `of ${R.fmtMoney(planned)}).`;
    const o = R.base('Budget and spend per channel: this plan',
      'Solid: spent (mean over replicates). Light: budgeted but not spent. Tick: the file\'s plan.');
    o.grid = { left: 150, right: 30, top: 96, bottom: 40 };
    o.legend = { top: 50, left: 4, data: ['Spent', 'Not spent', "The file's budget"] };
    o.tooltip = { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true,
      valueFormatter: (x) => R.fmtMoney(x) };
    o.yAxis = { type: 'category', inverse: true, data: rowsB.map((b) => b.label),
      axisLabel: { width: 140, overflow: 'truncate' }, axisTick: { show: false } };
    o.xAxis = R.valueAxis(`Amount (${R.MONEY})`, { nameGap: 26 });
    o.series = [
      { name: 'Spent', type: 'bar', stack: 'b', barWidth: '55%',
        data: rowsB.map((b) => ({ value: b.spent, itemStyle: { color: R.chanColour(b.c) } })) },
      { name: 'Not spent', type: 'bar', stack: 'b', color: '#d9dee3',
        data: rowsB.map((b) => b.unspent) },
      { name: "The file's budget", type: 'scatter', symbol: 'rect', symbolSize: [3, 22], color: '#1d2329',
        data: rowsB.map((b) => b.file_planned) },
    ];
    R.chart('chart-budget', o);
  }

  // ---- save -------------------------------------------------------------------------------------
  async function save() {
    el('save').disabled = true;
    el('save-note').textContent = 'Running and writing this plan…';
    try {
      const r = await api('/api/save', { variant: state.variant, set: overrides() });
      if (r.status !== 200) {
        el('save-note').textContent = (r.data && r.data.message) || 'could not save';
      } else {
        el('save-note').innerHTML = `Saved <code>${esc(r.data.h5)}</code>`
          + (r.data.toml ? ` and <code>${esc(r.data.toml)}</code> (the plan is its variant `
            + `<code>${esc(r.data.toml_variant)}</code>)` : '')
          + `. Draw it with <code>${esc(r.data.report)}</code>.`;
        el('save-note').dataset.h5 = r.data.h5;
      }
    } catch (e) {
      el('save-note').textContent = `The server did not answer (${e.message}).`;
    }
    el('save').disabled = false;
  }

  // ---- start ------------------------------------------------------------------------------------
  (async () => {
    let r;
    try {
      r = await api('/api/scenario');
    } catch (e) {
      fail(`The server did not answer (${e.message}): is cjsim serve still running?`);
      return;
    }
    if (r.status !== 200) {
      fail(r.status === 401 ? 'The token is not this server\'s: open the address cjsim serve printed last.'
        : (r.data && r.data.message) || `HTTP ${r.status}`);
      return;
    }
    S = r.data;
    state.variant = S.variants[0].name;
    state.customers = S.customers;
    el('page-title').textContent = `${prettyName(S.scenario.name)}: what if?`;
    el('page-subtitle').textContent = `${S.scenario.description || ''} Each change runs `
      + `${S.limits.replicates} replicates over ${S.scenario.days} days, against the file's plan on the `
      + 'same random customers; ± is the 95% confidence interval.';
    el('page-foot').innerHTML = `<p>Scenario <code>${esc(S.scenario.source)}</code>`
      + `${S.scenario.overrides.length ? ` with <code>${esc(S.scenario.overrides.map((o) => '--set ' + o).join(' '))}</code>` : ''}`
      + `, seed ${esc(S.scenario.seed)}. Served by cjsim serve on this machine; charts by Apache ECharts `
      + `${esc(window.echarts ? echarts.version : '')}, from this server: the page reaches no other site.</p>`;
    buildControls();
    send();
  })();
})();
