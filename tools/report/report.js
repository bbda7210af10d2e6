// The cjsim report page: draws the JSON that `cjsim report` gathered from a result file
// (<script id="cjsim-data">) with Apache ECharts (inlined above this script). The live page of
// `cjsim serve` loads this file too and draws its answers with window.cjsimReport(data).
//
// Contract with the browser test (tests/report/check_report.py):
//   - <html data-cjsim-ready="true"> once every chart has finished its first render;
//     data-cjsim-error="..." instead when something failed (the message also goes to the console);
//   - elements with data-check="NAME" hold numbers the test compares with the HDF5 file
//     (crossover-day, total-revenue:<variant>, total-profit:<variant>, ...), raw in data-value.
// Colours: Okabe & Ito's colour-blind-safe palette (https://jfly.uni-koeln.de/color/), extended
// with Paul Tol's muted scheme for long stage lists; line styles double the colour where it matters.
(function () {
  'use strict';

  const root = document.documentElement;
  window.addEventListener('error', (e) => {
    root.dataset.cjsimError = String(e.message || e);
  });
  const reduceMotion =
    window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => (
    { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const el = (id) => document.getElementById(id);

  // ---- charts and readiness -------------------------------------------------------------------
  const charts = [];
  const firstRenders = [];
  // Printing: charts are drawn again at the paper's width, without their save buttons, with every
  // <details> open (tools/report/README.md "Printing").
  let printing = false;
  // A title wraps instead of running off a narrow chart (the KPI minis, the printed page); the
  // right end stays free for the save-as-image button.
  const FONT = getComputedStyle(document.body).fontFamily;
  const measure = (() => {
    const ctx = document.createElement('canvas').getContext('2d');
    return (text, size, weight) => { ctx.font = `${weight} ${size}px ${FONT}`; return ctx.measureText(String(text)).width; };
  })();
  function fit(node, o) {
    const w = node.clientWidth || 600;
    if (o.title) {
      const ts = o.title.textStyle || {}, ss = o.title.subtextStyle || {};
      const tw = Math.max(120, w - 44), sw = Math.max(120, w - 16);
      const th = Math.round(1.3 * (ts.fontSize || 15)), sh = Math.round(1.3 * (ss.fontSize || 12));
      o.title.textStyle = Object.assign({}, ts, { width: tw, overflow: 'break', lineHeight: th });
      o.title.subtextStyle = Object.assign({}, ss, { width: sw, overflow: 'break', lineHeight: sh });
      // A title or subtitle that wraps pushes the legend and the plot down by its extra lines
      // (a little slack per line: words break at spaces, not at the exact width).
      const lines = (text, size, weight, width) => (text ? Math.ceil(measure(text, size, weight) / (0.92 * width)) : 1);
      const extra = (lines(o.title.text, ts.fontSize || 15, 600, tw) - 1) * th
        + (lines(o.title.subtext, ss.fontSize || 12, 'normal', sw) - 1) * sh;
      // The option is fitted again at every new width (a resized window, the printed page):
      // the shift starts from the tops the chart was written with.
      if (o.legend && typeof o.legend.top === 'number') {
        if (o.legend.baseTop === undefined) o.legend.baseTop = o.legend.top;
        o.legend.top = o.legend.baseTop + extra;
      }
      if (o.grid && typeof o.grid.top === 'number') {
        if (o.grid.baseTop === undefined) o.grid.baseTop = o.grid.top;
        o.grid.top = o.grid.baseTop + extra;
      }
    }
    if (o.toolbox) o.toolbox.show = !printing;
    if (printing) o.animation = false;
    return o;
  }
  const fitted = new Map();  // chart -> the option it was last drawn from (refit below)
  // A chart in the element `id`: made once, then redrawn in place when a page draws again (the
  // live page of cjsim serve redraws the same sections with every answer).
  function chart(id, option) {
    const node = el(id);
    const existing = echarts.getInstanceByDom(node);
    if (existing) {
      redraw(existing, option);
      return existing;
    }
    const c = echarts.init(node, null, { renderer: 'canvas' });
    firstRenders.push(new Promise((resolve) => {
      const done = () => { c.off('finished', done); resolve(); };
      c.on('finished', done);
    }));
    c.setOption(fit(node, option));
    fitted.set(c, option);
    charts.push(c);
    return c;
  }
  // Every redraw after a control was clicked goes through here (a fresh option, fitted again).
  function redraw(c, option) {
    c.setOption(fit(c.getDom(), option), { notMerge: true });
    fitted.set(c, option);
  }
  // A chart at a new width: its titles wrap at that width, not the one it was first drawn at
  // (a title fitted to the screen ran off the narrower printed page).
  function refit(c) {
    c.resize();
    const option = fitted.get(c);
    if (!option || !option.title) return;
    const o = fit(c.getDom(), option);
    const update = { title: o.title };
    if (o.legend && typeof o.legend.top === 'number') update.legend = { top: o.legend.top };
    if (o.grid && typeof o.grid.top === 'number') update.grid = { top: o.grid.top };
    c.setOption(update);
  }
  window.addEventListener('resize', () => charts.forEach(refit));
  function setPrinting(on) {
    if (on === printing) return;
    printing = on;
    document.querySelectorAll('details').forEach((d) => {
      if (on) { d.dataset.openOnScreen = String(d.open); d.open = true; } else { d.open = d.dataset.openOnScreen === 'true'; }
    });
    charts.forEach((c) => {
      c.setOption({ toolbox: { show: !on }, animation: on ? false : !reduceMotion });
      refit(c);
    });
    root.dataset.cjsimPrinting = String(on);
  }
  window.addEventListener('beforeprint', () => setPrinting(true));
  window.addEventListener('afterprint', () => setPrinting(false));
  if (window.matchMedia) window.matchMedia('print').addEventListener('change', (e) => setPrinting(e.matches));

  // "Cumulative profit: Funnel-minded vs Loop-minded" -> "cumulative-profit-funnel-minded-vs-loop-minded"

  // ---- definitions: every KPI and term one click away -----------------------------------------
  const defId = (id) => 'def-' + String(id).replace(/[^a-z0-9_-]/gi, '_');
  const defLink = (id, text) => `<a class="def" href="#${defId(id)}" data-def="${esc(id)}">${esc(text)}</a>`;
  function showDefinition(id) {
    const target = el(defId(id));
    if (!target) return;
    const box = target.closest('details');
    if (box) box.open = true;
    target.scrollIntoView({ block: 'center', behavior: reduceMotion ? 'auto' : 'smooth' });
    document.querySelectorAll('.definitions .shown').forEach((x) => x.classList.remove('shown'));
    target.classList.add('shown');
    if (target.nextElementSibling) target.nextElementSibling.classList.add('shown');
  }
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a.def');
    if (!a) return;
    e.preventDefault();
    showDefinition(a.dataset.def);
  });

  // ---- everything drawn from one data document ------------------------------------------------
  function cjsimReport(D) {

    // ---- palette --------------------------------------------------------------------------------
    const OI = {
      orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442',
      blue: '#0072B2', vermilion: '#D55E00', purple: '#CC79A7', black: '#000000', grey: '#999999',
    };
    const SERIES = [OI.blue, OI.orange, OI.green, OI.vermilion, OI.purple, OI.sky, OI.black, OI.yellow,
      '#332288', '#117733', '#882255', '#44AA99', '#999933', '#AA4499'];
    // Stage colours follow the role, so the same colour means the same kind of stage everywhere.
    const ROLE_COLOURS = {
      unaware: ['#BBBBBB', '#DDDDDD'],
      journey: [OI.sky, OI.blue, '#88CCEE', '#332288', '#44AA99'],
      purchase: [OI.orange, '#DDAA33'],
      retention: [OI.yellow, OI.green, OI.purple, '#117733', '#AA4499', '#999933'],
      lost: [OI.vermilion, '#882255', '#000000'],
    };
    const stageColour = (() => {
      const used = {};
      return D.stages.map((s) => {
        const pool = ROLE_COLOURS[s.role] || SERIES;
        const k = used[s.role] || 0;
        used[s.role] = k + 1;
        return pool[k % pool.length];
      });
    })();
    const FORWARD = OI.blue, BACKWARD = OI.vermilion;
    const CHANNEL_COLOURS = [OI.blue, OI.orange, OI.green, OI.vermilion, OI.purple, OI.sky, OI.yellow,
      '#332288', '#117733', '#882255', '#44AA99', '#999933', '#AA4499', '#DDDDDD'];
    const chanColour = (c) => CHANNEL_COLOURS[c % CHANNEL_COLOURS.length];

    // ---- formatting -----------------------------------------------------------------------------
    const nfInt = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
    const nfCompact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });
    const isNum = (x) => typeof x === 'number' && isFinite(x);
    const fmtInt = (x) => (isNum(x) ? nfInt.format(x) : 'n/a');
    const fmtCompact = (x) => (isNum(x) ? nfCompact.format(x) : 'n/a');
    // A varied value: budgets grouped by thousands, rates with their significant digits.
    const fmtAxis = (x) => (!isNum(x) ? 'n/a' : Number.isInteger(x) ? fmtInt(x) : String(Number(x.toPrecision(6))));
    const fmtPct = (x, d = 1) => (isNum(x) ? (100 * x).toFixed(d) + '%' : 'n/a');
    // Money in the scenario's currency (D.meta.currency: {code, symbol, prefix, name, digits}, or
    // null when the scenario names none): "₽ 1.23M", "1.23M CHF", or a plain "1.23M".
    const CUR = D.meta.currency || null;
    const MONEY = CUR ? CUR.code : 'currency units';
    const nfMinor = new Intl.NumberFormat('en', {
      minimumFractionDigits: CUR ? CUR.digits : 2, maximumFractionDigits: CUR ? CUR.digits : 2 });
    const moneyWrap = (s) => (!CUR ? s : CUR.prefix ? `${CUR.symbol} ${s}` : `${s} ${CUR.symbol}`);
    // Three significant digits from 10,000 up; below, whole units (or the minor unit under 100).
    const fmtMoney = (x) => (!isNum(x) ? 'n/a' : moneyWrap(Math.abs(x) >= 1e4 ? nfCompact.format(x)
      : Math.abs(x) >= 100 || Number.isInteger(x) ? nfInt.format(x) : nfMinor.format(x)));
    const fmtMoneyExact = (x) => (!isNum(x) ? 'n/a' : moneyWrap(nfMinor.format(x)));
    function fmtUnit(x, unit) {
      if (!isNum(x)) return 'n/a';
      switch (unit) {
        case 'share': return fmtPct(x);
        case 'currency': return fmtMoney(x);
        case 'currency/customer': return fmtMoney(x);
        case 'ratio': return x.toFixed(2);
        case 'days': return x.toFixed(1);
        case 'transitions/customer': return x.toFixed(2);
        default: return Math.abs(x) >= 1e5 ? fmtCompact(x) : fmtInt(x);
      }
    }
    // A ± half-width: three significant digits are plenty.
    function fmtSpread(x, unit, mean) {
      if (!isNum(x)) return 'n/a';
      // Money: the mean's own convention, so "₽ 13.56 ± 0.10" and "₽ 116 ± 3", never "± 0.098".
      if ((unit === 'currency' || unit === 'currency/customer') && isNum(mean) && Math.abs(mean) < 1e4) {
        return Math.abs(mean) >= 100 || Number.isInteger(mean) ? nfInt.format(x) : nfMinor.format(x);
      }
      if (unit === 'share') return fmtPct(x);
      if (unit === 'ratio' || unit === 'transitions/customer') return x.toFixed(2);
      // Beside a mean that carries the currency symbol: the number alone ("₽ 1.23M ± 30.1K").
      return Math.abs(x) >= 100 ? fmtCompact(x) : Number(x.toPrecision(2)).toString();
    }
    const UNIT_WORDS = {
      currency: MONEY, 'currency/customer': `${MONEY} per customer`,
      share: '% ', ratio: 'ratio', customers: 'customers', purchases: 'purchases', days: 'days',
      'transitions/customer': 'moves per customer',
    };
    // 1, 2 or 5 times a power of ten, at least x: the step of a short axis.
    function niceStep(x) {
      const p = Math.pow(10, Math.floor(Math.log10(Math.abs(x) || 1)));
      for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= Math.abs(x)) return m * p;
      return 10 * p;
    }
    // KPI names a director reads without a glossary (the engine's labels stay in the table).
    const PLAIN_TITLES = {
      cac: 'CAC: spend per new customer', romi: 'ROMI: profit per unit of spend',
      'retention.30': 'Still a customer 30 days after the first purchase',
      'retention.90': 'Still a customer 90 days after the first purchase',
      'retention.365': 'Still a customer a year after the first purchase',
      ltv: 'LTV: value of a customer so far', repeat_rate: 'Customers who bought again',
    };
    // Why a KPI can be n/a: it divides by something that was zero in this run.
    function naReason(id, note) {
      if (note) return note;  // the engine's own reason, stored with the KPI
      if (id === 'cac') return 'no new customers, so no spend per new customer';
      if (id === 'romi' || id === 'roas') return 'nothing was spent';
      if (id === 'ltv' || id === 'repeat_rate') return 'no customers yet';
      if (id.startsWith('retention.')) return 'nobody bought early enough to be followed that long';
      if (id.startsWith('conversion.')) return 'nobody reached the stage before';
      return 'not defined in this run: it divides by zero';
    }
    // A variant's label when the data gives one, else its name made readable:
    // "funnel_minded" -> "Funnel-minded", "no_after_sales" -> "No after sales"
    const LABELS = Object.fromEntries(D.variants.filter((v) => v.label).map((v) => [v.name, v.label]));
    function pretty(name) {
      if (LABELS[name]) return LABELS[name];
      const s = String(name).replace(/_minded\b/g, '-minded').replace(/_/g, ' ');
      return s.charAt(0).toUpperCase() + s.slice(1);
    }
    const sum = (a) => a.reduce((x, y) => x + (isNum(y) ? y : 0), 0);
    const range = (n) => Array.from({ length: n }, (_, i) => i);
    const days = D.meta.days;
    const stageLabel = D.stages.map((s) => s.label);
    const segLabel = D.segments.map((s) => s.label);
    const chanLabel = D.channels.map((c) => c.label);
    const variantByName = Object.fromEntries(D.variants.map((v) => [v.name, v]));
    const variantColour = Object.fromEntries(D.variants.map((v, i) => [v.name, SERIES[i % SERIES.length]]));
    if (D.compare) { // the compared pair: funnel orange, loop blue, whatever their file order
      variantColour[D.compare.a] = OI.orange;
      variantColour[D.compare.b] = OI.blue;
      const others = [OI.green, OI.purple, OI.sky, OI.vermilion, OI.black];
      D.variants.filter((v) => v.name !== D.compare.a && v.name !== D.compare.b)
        .forEach((v, i) => { variantColour[v.name] = others[i % others.length]; });
    }

    const slug = (s) => String(s).toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
    function base(title, subtitle) {
      return {
        animation: !reduceMotion,
        animationDuration: 500,
        textStyle: { fontFamily: FONT },
        title: {
          text: title, subtext: subtitle || '', left: 4, top: 0,
          textStyle: { fontSize: 15, fontWeight: 600, color: '#1d2329' },
          subtextStyle: { fontSize: 12, color: '#5b6570' },
        },
        // ECharts' own save-as-image: a PNG of this chart at twice the screen's resolution, for a slide.
        toolbox: {
          show: true, right: 2, top: 0, itemSize: 14,
          feature: { saveAsImage: { title: 'Save as image', name: `${D.meta.scenario_name}-${slug(title)}`,
            pixelRatio: 2, backgroundColor: '#ffffff' } },
        },
        tooltip: { trigger: 'axis', confine: true },
        grid: { left: 78, right: 28, top: subtitle ? 92 : 74, bottom: 58 },
      };
    }
    const dayAxis = (name) => ({
      type: 'value', min: 0, max: days, name: name || 'Day of the simulation',
      nameLocation: 'middle', nameGap: 30, splitLine: { show: false },
    });
    // Stacked charts need a category axis: ECharts 5 stacks only along one (apache/echarts#20506).
    const dayCategoryAxis = (n) => ({
      type: 'category', data: range(n).map(String), boundaryGap: false, name: 'Day of the simulation',
      nameLocation: 'middle', nameGap: 30,
      axisLabel: { interval: (i) => i % 50 === 0 || i === n - 1, showMaxLabel: true }, axisTick: { show: false },
    });
    const valueAxis = (name, extra) => Object.assign({
      type: 'value', name, nameLocation: 'middle', nameGap: 58,
      axisLabel: { formatter: (v) => fmtCompact(v) },
    }, extra || {});

    // A shaded band between two daily curves (low[t], high[t]) on a value day axis: one polygon
    // drawn by a custom series (ECharts stacks only along a category axis, apache/echarts#20506).
    function band(name, low, high, colour, opacity) {
      const legendColour = colour;
      const days0 = low.map((_, t) => t).filter((t) => isNum(low[t]) && isNum(high[t]));
      // Two items: the band's lowest and highest points, so the axes make room for all of it.
      const lowest = days0.reduce((a, t) => (a < 0 || low[t] < low[a] ? t : a), -1);
      const highest = days0.reduce((a, t) => (a < 0 || high[t] > high[a] ? t : a), -1);
      return {
        name, type: 'custom', silent: true, z: 1, clip: true, tooltip: { show: false },
        color: legendColour, itemStyle: { color: legendColour, opacity },
        data: days0.length ? [[lowest, low[lowest]], [highest, high[highest]]] : [],
        encode: { x: 0, y: 1 },
        renderItem: (params, api) => {
          if (params.dataIndex !== 0) return null;  // the second item only widens the axes
          const top = days0.map((t) => api.coord([t, high[t]]));
          const bottom = days0.slice().reverse().map((t) => api.coord([t, low[t]]));
          return { type: 'polygon', shape: { points: top.concat(bottom) }, style: { fill: colour, opacity } };
        },
      };
    }

    // Buttons that pick one of several values (strategy, segment, channel).
    function picker(container, label, items, selected, onPick) {
      const box = document.createElement('span');
      box.innerHTML = `<label>${esc(label)}</label> `;
      const seg = document.createElement('span');
      seg.className = 'seg';
      seg.setAttribute('role', 'group');
      seg.setAttribute('aria-label', label);
      items.forEach(([value, text]) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = text;
        b.dataset.value = value;
        b.setAttribute('aria-pressed', String(value === selected));
        b.addEventListener('click', () => {
          seg.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
          onPick(value);
        });
        seg.appendChild(b);
      });
      box.appendChild(seg);
      container.appendChild(box);
    }
    const variantItems = () => D.variants.map((v) => [v.name, pretty(v.name)]);
    // A sweep file holds no single run: the page then shows the sweep view alone.
    const hasRuns = D.variants.length > 0;
    const defaultVariant = D.compare ? D.compare.b : (hasRuns ? D.variants[0].name : null);

    // ---- header, glance, footer -----------------------------------------------------------------
    function runHeader() {
      const reps = D.variants.map((v) => v.replicates);
      const repText = Math.min(...reps) === Math.max(...reps)
        ? `${reps[0]} replicate${reps[0] === 1 ? '' : 's'} each` : 'replicates differ by strategy';
      el('page-subtitle').textContent = `${D.meta.scenario_description || ''} `
        + `${fmtInt(D.variants[0].customers)} simulated customers over ${days} days; `
        + `${D.variants.length} strateg${D.variants.length === 1 ? 'y' : 'ies'}, ${repText}. `
        + 'Charts show means over replicates; ± is the 95% confidence interval.';
    }
    function header() {
      el('page-title').textContent = `${pretty(D.meta.scenario_name)}: what happened`;
    if (!hasRuns && D.calibration) {
      const C = D.calibration;
      el('page-title').textContent = `${pretty(D.meta.scenario_name)}: fitted to the data`;
      el('page-subtitle').textContent = `${D.meta.scenario_description || ''} Fitted to ${C.periods.length} ${C.frequency} `
        + `periods of ${C.files.map(esc).join(' and ')} by ABC-SMC (${fmtInt(C.simulations)} simulations`
        + `${isNum(D.meta.customers) ? ` of ${fmtInt(D.meta.customers)} customers` : ''}`
        + `${C.scale !== 1 ? `, each standing for ${fmtAxis(C.scale)} customers of the market` : ''}). `
        + 'Bands are over posterior draws: they hold what the data leave uncertain.';
    } else if (!hasRuns && D.sweep) {
        const sw = D.sweep;
        el('page-title').textContent = `${pretty(D.meta.scenario_name)}: what each varied key does`;
        el('page-subtitle').textContent = `${D.meta.scenario_description || ''} A sweep `
          + `(${sw.design === 'lhs' ? 'Latin hypercube' : 'grid'}) of ${fmtInt(sw.points)} point${sw.points === 1 ? '' : 's'}`
          + `${sw.variants.length > 1 ? ` in ${sw.variants.length} strategies` : ''}, `
          + `${sw.replicates} replicate${sw.replicates === 1 ? '' : 's'} each with common random numbers, `
          + `${isNum(D.meta.customers) ? fmtInt(D.meta.customers) + ' simulated customers over ' : ''}${days} days. `
          + 'Lines are means over replicates; bands are 95% confidence intervals.';
      } else {
        runHeader();
      }
      const toc = el('toc');

      document.querySelectorAll('main > section').forEach((s) => {
        if (s.hidden) return;
        const h = s.querySelector('h2');
        const a = document.createElement('a');
        a.href = '#' + s.id;
        a.textContent = h.textContent;
        toc.appendChild(a);
      });
      const m = D.meta;
      el('page-foot').innerHTML =
        `<p>Made by <code>${esc(m.report_command || 'cjsim report')}</code> (cjsim ${esc(m.report_version)}) `
        + `from <code>${esc(m.file)}</code>, written by <code>${esc(m.command_line)}</code> `
        + `(cjsim ${esc(m.engine_version)}, result format ${esc(m.format)}, seed ${esc(m.seed)}, `
        + `scenario <code>${esc(m.scenario_source)}</code>). Every number comes from that file; `
        + `the customer's story re-runs its stored scenario for one customer. `
        + `Charts: Apache ECharts ${esc(echarts.version)}, inlined: the page needs no network.</p>`
        + (m.scenario_problem ? `<p class="warn">The stored scenario could not be rebuilt (${esc(m.scenario_problem)}): `
          + 'labels fall back to names and budgets are not shown.</p>' : '');
    }

    function checked(value, text, name) {
      return `<span data-check="${esc(name)}" data-value="${esc(value)}">${esc(text)}</span>`;
    }
    const pm = (t, unit) => (isNum(t.half_width) && t.half_width > 0
      ? ` <small>± ${fmtSpread(t.half_width, unit, t.mean)}</small>` : '');

    function glance() {
      const c = D.compare;
      let verdict = '';
      if (c) {
        const A = pretty(c.a), B = pretty(c.b);
        const fa = c.final_profit_a, fb = c.final_profit_b;
        const rel = isNum(fa) && isNum(fb) && fa !== 0 ? (fb - fa) / Math.abs(fa) : NaN;
        const ends = isNum(rel)
          ? ` and ends the ${days} days with ${fmtMoney(fb)} profit against ${fmtMoney(fa)} `
            + `(${rel >= 0 ? '+' : ''}${(100 * rel).toFixed(0)}%)` : '';
        const rd = c.replicate_days;
        const spread = rd && rd.n >= 2 && isNum(rd.half_width)
          ? ` (95% CI over ${rd.n} replicates: day ${Math.max(0, Math.round(rd.mean - rd.half_width))}`
            + `–${Math.round(rd.mean + rd.half_width)})` : '';
        if (c.status === 'overtakes') {
          verdict = `<b>${esc(B)}</b> overtakes <b>${esc(A)}</b> in cumulative profit on `
            + `<b>day ${checked(c.day, String(c.day), 'crossover-day')}</b>${spread}${ends}.`;
        } else if (c.status === 'ahead_throughout') {
          verdict = `<b>${esc(B)}</b> is ahead of <b>${esc(A)}</b> in cumulative profit from the first day${ends}.`
            + checked('ahead_throughout', '', 'crossover-day');
        } else {
          verdict = `<b>${esc(B)}</b> does not overtake <b>${esc(A)}</b> in cumulative profit within ${days} days`
            + `${isNum(fa) ? ` (${fmtMoney(fb)} against ${fmtMoney(fa)})` : ''}.`
            + checked('never', '', 'crossover-day');
        }
      } else {
        verdict = `One strategy, <b>${esc(pretty(D.variants[0].name))}</b>: no comparison to draw.`;
      }
      el('glance-verdict').innerHTML = verdict;
      const kpi = (v, id) => v.kpis.find((k) => k.id === id);
      el('glance-cards').innerHTML = D.variants.map((v) => {
        const t = v.totals;
        const nc = kpi(v, 'new_customers'), pu = kpi(v, 'purchases');
        const row = (label, inner) => `<dt>${label}</dt><dd>${inner}</dd>`;
        return `<div class="card" style="--c:${variantColour[v.name]}">`
          + `<h3>${esc(pretty(v.name))}</h3><p class="desc">${esc(v.description)}</p><dl>`
          + row(defLink('revenue', 'Revenue'), checked(t.revenue.mean, fmtUnit(t.revenue.mean, 'currency'), `total-revenue:${v.name}`) + pm(t.revenue, 'currency'))
          + row(defLink('spend', 'Marketing spend'), checked(t.spend.mean, fmtUnit(t.spend.mean, 'currency'), `total-spend:${v.name}`) + pm(t.spend, 'currency'))
          + row(defLink('term_profit', 'Profit (margin − spend)'), checked(t.profit.mean, fmtUnit(t.profit.mean, 'currency'), `total-profit:${v.name}`) + pm(t.profit, 'currency'))
          + (nc ? row(defLink('new_customers', 'New customers'), fmtInt(nc.mean) + pm({ half_width: (nc.ci_high - nc.ci_low) / 2 }, 'customers')) : '')
          + (pu ? row(defLink('purchases', 'Purchases'), fmtInt(pu.mean) + pm({ half_width: (pu.ci_high - pu.ci_low) / 2 }, 'purchases')) : '')
          + '</dl></div>';
      }).join('');
    }

    // ---- 1. two strategies, cumulative money ----------------------------------------------------
    function compareChart() {
      const c = D.compare;
      if (!c) {
        el('compare').hidden = true;
        return;
      }
      const A = pretty(c.a), B = pretty(c.b);
      if (!(c.a === 'funnel_minded' && c.b === 'loop_minded'))
        el('compare-h').textContent = `${A} or ${B}: which pays more, and from when?`;
      const pts = (ys) => ys.map((y, t) => [t, y]);  // by the end of day t
      const measures = [
        ['profit', 'profit', 'solid', 3.5],
        ['revenue', 'revenue', 'solid', 1.5],
        ['spend', 'spend', 'dashed', 1.5],
      ];
      const series = [];
      for (const [who, curves, name] of [[c.a, c.a_curves, A], [c.b, c.b_curves, B]]) {
        for (const [key, word, type, width] of measures) {
          series.push({
            name: `${name} ${word}`, type: 'line', showSymbol: false, data: pts(curves[key]),
            color: variantColour[who], lineStyle: { width, type },
            endLabel: { show: true, formatter: `${name} ${word}`, fontSize: 11, color: variantColour[who] },
            emphasis: { focus: 'series' },
          });
        }
      }
      const loopProfit = series[3];
      // Where each running total could be: its 95% interval over replicates, day by day, as a
      // band in the line's colour (the same name, so the legend hides both).
      for (const [who, bands, name] of [[c.a, c.a_bands, A], [c.b, c.b_bands, B]]) {
        for (const [key, word] of measures) {
          const b = bands && bands[key];
          if (!b || !b.low.some((lo, t) => isNum(lo) && isNum(b.high[t]) && b.high[t] - lo > 1e-6 * Math.abs(b.high[t]))) continue;
          series.push(band(`${name} ${word}`, b.low, b.high, variantColour[who], key === 'profit' ? 0.2 : 0.12));
        }
      }
      const rd = c.replicate_days;
      const spread = rd && rd.n >= 2 && isNum(rd.half_width) && rd.half_width > 0;
      const dayBand = spread && c.status === 'overtakes' ? {
        silent: true, itemStyle: { color: 'rgba(0,0,0,0.08)' }, label: { show: false },
        data: [[{ xAxis: Math.max(0, rd.mean - rd.half_width) }, { xAxis: Math.min(days, rd.mean + rd.half_width) }]],
      } : undefined;
      const dayLine = (text) => ({
        symbol: 'none', silent: true,
        lineStyle: { color: '#1d2329', width: 1.5, type: 'solid' },
        label: { formatter: text, position: 'end', fontSize: 12, fontWeight: 600, color: '#1d2329',
          backgroundColor: '#fff', padding: [2, 4] },
        data: [{ xAxis: c.day }],
      });
      if (c.status === 'overtakes') {
        loopProfit.markLine = dayLine(`Day ${c.day}: ${B} overtakes`);
        loopProfit.markPoint = {
          symbol: 'circle', symbolSize: 11, silent: true,
          itemStyle: { color: '#fff', borderColor: '#1d2329', borderWidth: 2 },
          label: { show: false }, data: [{ coord: [c.day, c.b_curves.profit[c.day]] }],
        };
        loopProfit.markArea = dayBand;
      }
      const reps = Math.min(...[c.a, c.b].map((n) => variantByName[n].replicates));
      const o = base(`Cumulative profit, revenue and spend: ${A} vs ${B}`,
        `Running totals by the end of each day: lines are means${reps > 1
          ? `, shaded bands the 95% interval over ${reps} replicates` : ''}`
        + `${dayBand ? '; grey: the 95% interval of the crossover day' : ''}.`);
      o.grid.right = 170;
      o.grid.top = 112;
      o.legend = { top: 50, left: 4, itemWidth: 26, data: series.map((x) => x.name) };
      o.xAxis = dayAxis();
      o.yAxis = valueAxis(`Cumulative amount (${MONEY})`);
      o.tooltip.valueFormatter = (v) => fmtMoney(v);
      series.forEach((x) => { if (x.type === 'line') x.labelLayout = { moveOverlap: 'shiftY' }; });
      o.series = series;
      chart('chart-compare', o);

      // The lead: B's cumulative profit minus A's. Below zero A is ahead; it crosses zero for good
      // on the crossover day.
      const gap = c.b_curves.profit.map((y, t) => [t, y - c.a_curves.profit[t]]);
      const g = base(`${B}'s profit lead over ${A}`,
        `Below zero ${A} has made more profit so far, above zero ${B} has.`
        + (spread && c.status === 'overtakes' ? ` Grey band: 95% CI of the crossover day (${rd.n} replicates).` : ''));
      g.grid.top = 92;
      g.grid.right = 170;
      g.xAxis = Object.assign(dayAxis(), { axisLine: { onZero: false } });
      g.yAxis = valueAxis(`Profit difference (${MONEY})`);
      g.tooltip.valueFormatter = (v) => fmtMoney(v);
      g.legend = { top: 50, left: 4 };
      // Two series split at zero (a piecewise visualMap on a line fails in ECharts 5.6 when every
      // piece is open-ended), so the colour says who is ahead.
      // Each part is drawn where its side leads, and one day either side so the two meet at zero.
      const part = (name, who, sign) => ({
        name, type: 'line', showSymbol: false, color: variantColour[who], lineStyle: { width: 2.5 },
        areaStyle: { opacity: 0.15 }, tooltip: { show: false },
        data: gap.map(([t, y]) => {
          const mine = (k) => k >= 0 && k < gap.length && sign * gap[k][1] > 0;
          return [t, mine(t) || mine(t - 1) || mine(t + 1) ? (sign * y > 0 ? y : 0) : null];
        }),
      });
      g.series = [part(`${A} ahead`, c.a, -1), part(`${B} ahead`, c.b, 1)];
      g.tooltip = { trigger: 'axis', confine: true,
        formatter: (ps) => {
          const t = ps[0].value[0], y = gap[t][1];
          const lb = c.lead_band;
          const ci = lb && isNum(lb.low[t]) ? ` (95% interval ${fmtMoney(lb.low[t])} to ${fmtMoney(lb.high[t])})` : '';
          return `Day ${t}: ${y >= 0 ? esc(B) : esc(A)} ahead by ${fmtMoney(Math.abs(y))}${ci}`;
        } };
      Object.assign(g.series[1], {
        markLine: c.status === 'overtakes' ? dayLine(`Day ${c.day}: ${B} ahead for good`) : undefined,
        markArea: dayBand,
      });
      // The lead's own 95% interval over replicates (paired: the same random numbers for both).
      if (c.lead_band) g.series.push(band('95% interval of the lead', c.lead_band.low, c.lead_band.high, '#5b6570', 0.18));
      g.legend.data = g.series.filter((x) => x.type === 'line').map((x) => x.name)
        .concat(c.lead_band ? ['95% interval of the lead'] : []);
      chart('chart-compare-gap', g);
      const perRep = (c.replicates || []).map((r) => (r.day != null ? `day ${r.day}`
        : r.status === 'ahead_throughout' ? 'ahead from day 0' : 'never'));
      el('compare-note').textContent = (perRep.length > 1
        ? `Replicate by replicate (the same random numbers for both strategies), ${B} overtakes on: `
          + `${perRep.join(', ')}. ` : '')
        + (rd && rd.never ? `In ${rd.never} replicate(s) ${B} never overtakes. ` : '')
        + (() => {  // a fair comparison spends the same; say so when it did not
          const sa = c.a_curves.spend[days - 1], sb = c.b_curves.spend[days - 1];
          return isNum(sa) && isNum(sb) && Math.abs(sa - sb) > 0.02 * Math.max(sa, sb)
            ? `Mind the budgets: ${A} spent ${fmtMoney(sa)} and ${B} ${fmtMoney(sb)} (a channel with too `
              + 'few customers to reach carries its money forward and may not spend it all). ' : '';
        })()
        + 'Revenue is what customers paid; profit is margin (revenue × margin share) minus marketing spend.';
    }

    // ---- 2. flows: the loop ---------------------------------------------------------------------
    let flowsChart = null;
    function flowOption(vname) {
      const v = variantByName[vname];
      const S = D.stages.length;
      let max = 0, fwd = 0, back = 0;
      const links = { forward: [], backward: [] };
      for (let a = 0; a < S; a++) {
        for (let b = 0; b < S; b++) {
          const n = v.flows[a][b];
          if (!isNum(n) || n <= 0 || a === b) continue;
          max = Math.max(max, n);
          (b > a ? links.forward : links.backward).push({ a, b, n });
          if (b > a) fwd += n; else back += n;
        }
      }
      const width = (n) => 1.5 + 20 * Math.sqrt(n / (max || 1));
      const kindOf = (a, b) => {
        const ra = D.stages[a].role, rb = D.stages[b].role;
        if (b > a) return 'forward';
        if (ra === 'lost') return 'comes back after being lost (win-back)';
        if (rb === 'purchase') return 'buys again';
        return 'steps back';
      };
      // Nodes on a hidden cartesian grid (x = stage number, y = 0), so arcs have room above and below.
      const dark = (col) => !['#BBBBBB', '#DDDDDD', OI.yellow, OI.sky, '#88CCEE', OI.orange, '#DDAA33'].includes(col);
      const nodeW = Math.min(120, 900 / S), small = S > 8;
      const nodes = D.stages.map((st, i) => ({
        name: st.label, value: [i, 0], symbol: 'roundRect', symbolSize: [nodeW, small ? 44 : 34],
        itemStyle: { color: stageColour[i], borderColor: '#1d2329', borderWidth: 1 },
        label: {  // long labels lose their parenthesis, wrap onto two lines, then end in an ellipsis
          show: true, position: 'inside', fontSize: small ? 10 : 12, fontWeight: 600, lineHeight: small ? 12 : 14,
          color: dark(stageColour[i]) ? '#fff' : '#1d2329', align: 'center',
          width: nodeW - 8, overflow: 'break',
          formatter: (() => {
            const short = st.label.replace(/\s*\(.*$/, '') || st.label;
            const max = 2 * Math.floor((nodeW - 8) / ((small ? 10 : 12) * 0.6));
            return short.length > max ? short.slice(0, max - 1) + '…' : short;
          })(),
        },
        tooltip: { formatter: `${esc(st.label)} (${esc(st.role)})` },
      }));
      // Arc height grows with the distance between stages; curveness is relative to that distance.
      const plotWidth = Math.max(400, (el('chart-flows').clientWidth || 1100) - 120);
      const dx = plotWidth / S;
      const curve = (a, b) => {
        const k = Math.abs(b - a);
        const apex = Math.min(180, 50 + 170 * (k - 1) / Math.max(1, S - 2));
        return Math.min(1.2, (2 * apex) / (k * dx));
      };
      const edge = (l, dir) => ({
        source: l.a, target: l.b, value: l.n,
        symbolSize: [4, 9 + 0.7 * width(l.n)],
        lineStyle: {
          width: width(l.n), color: dir === 'forward' ? FORWARD : BACKWARD, opacity: 0.7,
          type: dir === 'forward' ? 'solid' : [Math.max(8, 1.6 * width(l.n)), Math.max(4, 0.5 * width(l.n))],
          curveness: curve(l.a, l.b),
        },
        label: {
          show: l.n >= 0.01 * max, formatter: fmtCompact(l.n), fontSize: 11,
          color: dir === 'forward' ? FORWARD : BACKWARD, fontWeight: 600,
          backgroundColor: 'rgba(255,255,255,0.85)', padding: [1, 3],
        },
        tooltip: {
          formatter: `${esc(stageLabel[l.a])} → ${esc(stageLabel[l.b])}: ${fmtInt(l.n)} moves `
            + `(${esc(kindOf(l.a, l.b))})`,
        },
      });
      const graph = (name, dir) => ({
        name, type: 'graph', layout: 'none', coordinateSystem: 'cartesian2d',
        data: nodes.map((n) => (dir === 'forward' ? n : Object.assign({}, n, { label: { show: false } }))),
        links: links[dir].map((l) => edge(l, dir)),
        edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 10,
        edgeLabel: { show: true, position: 'middle' },
        color: dir === 'forward' ? FORWARD : BACKWARD,
        z: dir === 'forward' ? 3 : 2,
        emphasis: { focus: 'adjacency', lineStyle: { opacity: 1 } },
      });
      const o = base(`Stage-to-stage moves over ${days} days: ${pretty(vname)}`,
        'Arcs above: forward moves (blue, solid). Arcs below: moves back (vermilion, dashed): buying again, '
        + 'coming back after being lost, stepping back. Thicker = more moves (mean over replicates).');
      o.tooltip = { trigger: 'item', confine: true };
      o.legend = {
        top: 50, left: 4,
        data: [{ name: 'Forward moves', icon: 'rect', itemStyle: { color: FORWARD } },
          { name: 'Moves back (the loop)', icon: 'rect', itemStyle: { color: BACKWARD } }],
      };
      o.grid = { left: 60, right: 60, top: 84, bottom: 10 };
      o.xAxis = { type: 'value', min: -0.6, max: S - 0.4, show: false };
      o.yAxis = { type: 'value', min: -1, max: 1, show: false };
      // Both series hold every node; the backward one draws arcs only (its node labels hidden).
      o.series = [graph('Moves back (the loop)', 'backward'), graph('Forward moves', 'forward')];
      const total = fwd + back;
      const buysAgain = links.backward.filter((l) => kindOf(l.a, l.b) === 'buys again').reduce((s, l) => s + l.n, 0);
      const winback = links.backward.filter((l) => D.stages[l.a].role === 'lost').reduce((s, l) => s + l.n, 0);
      // The sentence says what this world shows: a loop, steps back without a loop, or a funnel.
      const share = `<b>${checked(back / total, fmtPct(back / total, 0), `backward-share:${vname}`)} of all `
        + `${fmtInt(total)} moves go back</b> (${esc(pretty(vname))})`;
      const stepsBack = back - buysAgain - winback;
      let note, heading;
      if (total === 0) {
        note = 'Nobody changed stage in this run.';
        heading = 'How customers moved between stages';
      } else if (back === 0) {
        note = `${share}: every customer only moved forward. In this world the journey is a funnel: nobody `
          + 'bought again, came back after being lost or stepped back.';
        heading = 'The journey here is a funnel: every move goes forward';
      } else if (buysAgain + winback === 0) {
        note = `${share}: none of them is a repeat purchase or a return after being lost (customers here buy `
          + `at most once and do not come back), but ${fmtInt(stepsBack)} are steps back on the way to a first `
          + 'purchase: even without a loop, the way to buying is not a straight line.';
        heading = 'No loop here, but the way to buying is not straight';
      } else {
        note = `${share}: ${fmtInt(buysAgain)} repeat purchases, ${fmtInt(winback)} returns after being lost, `
          + `and ${fmtInt(stepsBack)} steps back on the way. A linear funnel would have none of them.`;
        heading = 'The journey is a loop, not a funnel';
      }
      el('flows-note').innerHTML = note;
      el('flows-h').textContent = heading;
      return o;
    }
    function flows() {
      picker(el('flows-controls'), 'Strategy', variantItems(), defaultVariant, (name) => {
        redraw(flowsChart, flowOption(name));
      });
      flowsChart = chart('chart-flows', flowOption(defaultVariant));
    }

    // ---- 3. occupancy ---------------------------------------------------------------------------
    let occChart = null;
    const occState = { variant: defaultVariant, segment: 'all' };
    function occOption() {
      const v = variantByName[occState.variant];
      const S = D.stages.length, G = D.segments.length;
      const segs = occState.segment === 'all' ? range(G) : [Number(occState.segment)];
      // Stacked from the last stage up, so customers won sit on the axis and the not-yet-aware
      // mass is the top band.
      const order = range(S).reverse();
      const series = order.map((s) => ({
        name: stageLabel[s], type: 'line', stack: 'customers', showSymbol: false,
        color: stageColour[s], lineStyle: { width: 0.5 }, areaStyle: { opacity: 0.92 },
        emphasis: { focus: 'series' },
        data: range(days + 1).map((t) => segs.reduce((acc, g) => acc + (v.occupancy[g][s][t] || 0), 0)),
      }));
      const who = occState.segment === 'all' ? 'all segments' : segLabel[Number(occState.segment)];
      const o = base(`Customers by stage, day by day: ${pretty(occState.variant)}, ${who}`,
        'Stacked: the height of a band is the number of customers in that stage at the start of the day '
        + '(mean over replicates). Click a stage in the legend to hide it.');
      o.legend = { top: 48, left: 4, data: range(S).map((s) => stageLabel[s]) };
      o.grid.top = 100;
      o.xAxis = dayCategoryAxis(days + 1);
      o.yAxis = valueAxis('Customers', { max: 'dataMax' });
      o.tooltip.valueFormatter = (x) => fmtInt(x);
      o.series = series;
      return o;
    }
    function occupancy() {
      const box = el('occupancy-controls');
      picker(box, 'Strategy', variantItems(), occState.variant, (name) => {
        occState.variant = name;
        redraw(occChart, occOption());
      });
      picker(box, 'Segment', [['all', 'All segments']].concat(D.segments.map((s, g) => [String(g), s.label])),
        'all', (g) => {
          occState.segment = g;
          redraw(occChart, occOption());
        });
      occChart = chart('chart-occupancy', occOption());
    }

    // ---- 4. KPIs: funnel view and loop view -----------------------------------------------------
    function kpis() {
      const first = D.variants[0];
      const ids = new Set(first.kpis.map((k) => k.id));
      const purchaseStage = D.stages.findIndex((s) => s.role === 'purchase');
      const conv = first.kpis.filter((k) => k.id.startsWith('conversion.')).map((k) => k.id);
      const funnel = ['spend', 'new_customers', 'cac',
        conv.length ? conv[conv.length - 1] : null,
        conv.length > 1 ? conv[0] : null,
        purchaseStage >= 1 ? 'leads.' + D.stages[purchaseStage - 1].name : null].filter((id) => id && ids.has(id));
      const loop = ['revenue', 'profit', 'ltv', 'repeat_rate', 'retention.90', 'romi'].filter((id) => ids.has(id));
      const reps = Math.max(...D.variants.map((v) => v.kpi_replicates || v.replicates));
      el('kpis-how').textContent = 'The funnel view counts how many customers were won and what each cost; the loop view '
        + 'counts what they were worth afterwards. Bars are means' + (reps > 1
          ? `; whiskers are 95% confidence intervals over ${reps} replicates.` : ' (one replicate: no intervals).');
      const mini = (container, id) => {
        const div = document.createElement('div');
        div.className = 'mini';
        div.id = 'kpi-' + id.replace(/[^a-z0-9_-]/gi, '_');
        container.appendChild(div);
        const def = first.kpis.find((k) => k.id === id);
        const label = def.label.replace(/\b([a-z_]+) -> ([a-z_]+)\b/g, (m, a, b) => {
          const la = D.stages.find((s) => s.name === a), lb = D.stages.find((s) => s.name === b);
          return `${la ? la.label : a} → ${lb ? lb.label : b}`;
        }).replace(/^Reached ([a-z_]+)$/, (m, a) => {
          const s = D.stages.find((x) => x.name === a);
          return `Reached ${s ? s.label : a}`;
        });
        const title = PLAIN_TITLES[id] || label;
        const rows = D.variants.map((v) => {
          const k = v.kpis.find((x) => x.id === id) || {};
          return { v: v.name, mean: k.mean, lo: k.ci_low, hi: k.ci_high, note: k.note };
        });
        const pct = def.unit === 'share' ? 100 : 1;
        const o = base(title, '');
        o.title.textStyle.fontSize = 13;
        o.title.subtext = UNIT_WORDS[def.unit] === '% ' ? 'percent' : (UNIT_WORDS[def.unit] || def.unit);
        o.title.subtextStyle.fontSize = 11;
        o.title.itemGap = 2;
        o.title.triggerEvent = true;  // a click on the title opens the KPI's definition
        o.grid = { left: 100, right: 92, top: 62, bottom: 24 };
        o.tooltip = { trigger: 'item', confine: true, formatter: (p) => {
          const r = rows[p.dataIndex];
          return `${esc(pretty(r.v))}: ${fmtUnit(r.mean, def.unit)}`
            + (isNum(r.lo) && isNum(r.hi) && r.hi > r.lo ? ` (95% CI ${fmtUnit(r.lo, def.unit)} to ${fmtUnit(r.hi, def.unit)})` : '')
            + (isNum(r.mean) ? '' : ` — ${esc(naReason(id, r.note))}`)
            + `<br><span style="color:#5b6570">${esc(def.description)}</span>`;
        } };
        o.yAxis = { type: 'category', inverse: true, data: rows.map((r) => pretty(r.v)),
          axisTick: { show: false }, axisLabel: { fontSize: 11 } };
        // At most three ticks on a round step, so labels never run into each other ("0 20K40K60K").
        const ends = rows.flatMap((r) => [r.mean, r.lo, r.hi]).filter(isNum).map((x) => x * pct);
        const hiEnd = Math.max(0, ...ends), loEnd = Math.min(0, ...ends);
        const step = def.unit === 'share' ? 50 : niceStep((hiEnd - loEnd) / 2 || 1);
        o.xAxis = { type: 'value', interval: step,
          min: def.unit === 'share' ? 0 : Math.floor(loEnd / step) * step,
          max: def.unit === 'share' ? 100 : Math.max(step, Math.ceil(hiEnd / step) * step),
          axisLabel: { fontSize: 10, hideOverlap: true, formatter: (x) => (def.unit === 'share' ? x + '%' : fmtCompact(x)) } };
        o.series = [{
          type: 'bar', barWidth: '55%',
          // n/a (a KPI with nothing to divide by) is no bar at all, and says so where the bar would be.
          data: rows.map((r) => (isNum(r.mean) ? { value: r.mean * pct, itemStyle: { color: variantColour[r.v] } }
            : { value: 0, itemStyle: { opacity: 0 },
              label: { formatter: 'n/a', color: '#5b6570', fontStyle: 'italic' } })),
          label: { show: true, position: 'right', fontSize: 11, color: '#1d2329',
            formatter: (p) => {
              const r = rows[p.dataIndex];
              const hw = isNum(r.hi) && isNum(r.lo) ? (r.hi - r.lo) / 2 : 0;
              return fmtUnit(r.mean, def.unit) + (hw > 0 ? `{ci| ± ${fmtSpread(hw, def.unit, r.mean)}}` : '');
            },
            rich: { ci: { fontSize: 10, color: '#5b6570' } } },
        }, {
          type: 'custom', silent: true, z: 5,
          data: rows.map((r, i) => [i, isNum(r.lo) ? r.lo * pct : null, isNum(r.hi) ? r.hi * pct : null]),
          renderItem: (params, api) => {
            const lo = api.value(1), hi = api.value(2);
            if (!isNum(lo) || !isNum(hi) || hi <= lo) return null;
            const a = api.coord([lo, api.value(0)]), b = api.coord([hi, api.value(0)]);
            const h = 5;
            const style = { stroke: '#1d2329', lineWidth: 1.4 };
            return { type: 'group', children: [
              { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style },
              { type: 'line', shape: { x1: a[0], y1: a[1] - h, x2: a[0], y2: a[1] + h }, style },
              { type: 'line', shape: { x1: b[0], y1: b[1] - h, x2: b[0], y2: b[1] + h }, style },
            ] };
          },
        }];
        chart(div.id, o).on('click', (e) => { if (e.componentType === 'title') showDefinition(id); });
        div.title = `${title}: ${def.description} (click the title for the definition)`;
      };
      funnel.forEach((id) => mini(el('kpis-funnel'), id));
      loop.forEach((id) => mini(el('kpis-loop'), id));

      // The full table.
      const views = [];
      first.kpis.forEach((k) => { if (!views.includes(k.view)) views.push(k.view); });
      let html = '<table class="kpi"><thead><tr><th>KPI</th><th>unit</th>'
        + D.variants.map((v) => `<th>${esc(pretty(v.name))}</th>`).join('') + '</tr></thead><tbody>';
      for (const view of views) {
        html += `<tr class="view"><td colspan="${2 + D.variants.length}">${esc(pretty(view))} view</td></tr>`;
        for (const k of first.kpis.filter((x) => x.view === view)) {
          html += `<tr><td title="${esc(k.description)}">${defLink(k.id, k.label)}</td><td>${esc(UNIT_WORDS[k.unit] || k.unit)}</td>`;
          for (const v of D.variants) {
            const x = v.kpis.find((y) => y.id === k.id) || {};
            const ci = isNum(x.ci_low) && isNum(x.ci_high) && x.ci_high > x.ci_low
              ? `<span class="ci">${fmtUnit(x.ci_low, k.unit)} … ${fmtUnit(x.ci_high, k.unit)}</span>` : '';
            const why = isNum(x.mean) ? '' : ` title="n/a: ${esc(naReason(k.id, x.note))}"`;
            html += `<td${why}>${fmtUnit(x.mean, k.unit)}${ci}</td>`;
          }
          html += '</tr>';
        }
      }
      el('kpi-table').innerHTML = html + '</tbody></table>'
        + '<p class="note">Under each mean: its 95% confidence interval over replicates. Click a KPI for its definition.</p>';
    }

    function definitions() {
      const kpiDefs = hasRuns ? D.variants[0].kpis : (D.sweep ? D.sweep.kpis : []);
      const terms = [
        ['term_ci', '95% confidence interval (±)', 'Each strategy was simulated several times (replicates) with '
          + 'different random customers. The interval is where the mean of infinitely many replicates would lie, '
          + 'with 95% confidence (Student t). Two strategies whose intervals do not overlap differ for sure; '
          + 'the paired comparison of cjsim compare is sharper still.'],
        ['term_crossover', 'Crossover day', 'The first day from which the second strategy\'s cumulative profit stays '
          + 'above the first\'s until the end. Its interval is the same day found replicate by replicate.'],
        ['term_profit', 'Profit', 'Margin (revenue × the margin share) minus marketing spend, added up from day 0.'],
        ['term_retention', 'Still a customer N days after the first purchase', 'The share of first-time buyers who '
          + 'have not moved to a lost stage (gone to a competitor) N days after their first purchase. Method: the '
          + 'Kaplan–Meier estimate, so customers still active when the simulation ends count for as long as they '
          + 'were seen instead of being dropped or counted as lost.'],
        ['term_ad_memory', 'Ad memory', 'How present the brand is in a customer\'s mind: every ad or contact adds to '
          + 'it and it fades day by day. Stages marked for it move faster when it is high (the model calls it '
          + 'salience).'],
      ];
      let html = '<dl class="definitions">';
      for (const [id, term, text] of terms) html += `<dt id="${defId(id)}">${esc(term)}</dt><dd>${esc(text)}</dd>`;
      for (const k of kpiDefs) {
        html += `<dt id="${defId(k.id)}">${esc(PLAIN_TITLES[k.id] || k.label)}`
          + `${PLAIN_TITLES[k.id] ? ` <span class="muted">(${esc(k.label)})</span>` : ''}`
          + ` <span class="unit">${esc(UNIT_WORDS[k.unit] === '% ' ? 'percent' : (UNIT_WORDS[k.unit] || k.unit))}</span></dt>`
          + `<dd>${esc(k.description || '')}</dd>`;
      }
      el('definitions-list').innerHTML = html + '</dl>';
    }

    // ---- 5. channels: spend, pacing, reach ------------------------------------------------------
    const chState = { variant: defaultVariant, channel: null };
    let spendChart = null, pacingChart = null, channelChart = null;
    const budgetOf = (v, c) => {
      const f = v.channels.flights[c];
      return f ? f.reduce((s, x) => s + x.amount, 0) : sum(v.channels.spend[c]);
    };
    function activeChannels(v) {
      return range(D.channels.length).filter((c) => budgetOf(v, c) > 0 || sum(v.channels.spend[c]) > 0);
    }
    function spendOption() {
      const v = variantByName[chState.variant];
      const act = activeChannels(v);
      const o = base(`Spend per channel and day: ${pretty(v.name)}`,
        'Stacked: the top edge is the whole marketing budget spent that day (mean over replicates).');
      o.legend = { top: 48, left: 4, right: 10, itemGap: 8, textStyle: { fontSize: 11 } };
      o.grid.top = 130;
      o.xAxis = dayCategoryAxis(days);
      o.yAxis = valueAxis(`Spend per day (${MONEY})`);
      o.tooltip.valueFormatter = (x) => fmtMoneyExact(x);
      o.series = act.map((c) => ({
        name: chanLabel[c], type: 'line', stack: 'spend', showSymbol: false,
        color: chanColour(c), lineStyle: { width: 0.5 }, areaStyle: { opacity: 0.85 },
        data: v.channels.spend[c],
      }));
      return o;
    }
    // The budget an even pace would have spent by the end of each day: every flight spread evenly
    // over its days (flights hold [from, to) day ranges; a whole-horizon budget is one flight).
    function evenPlan(v, c) {
      const flights = v.channels.flights[c] || [];
      const out = new Array(days).fill(0);
      for (const f of flights) {
        const from = Math.max(0, f.from), to = Math.min(days, f.to > f.from ? f.to : days);
        for (let t = 0; t < days; t++) {
          const done = Math.min(Math.max(t + 1 - from, 0), to - from);
          out[t] += f.amount * (to > from ? done / (to - from) : 0);
        }
      }
      return out;
    }
    function pacingOption() {
      const v = variantByName[chState.variant];
      const act = activeChannels(v).filter((c) => budgetOf(v, c) > 0);
      const series = [];
      let sharedPlan = null, samePlan = true;
      for (const c of act) {
        const budget = budgetOf(v, c);
        let run = 0;
        const cum = v.channels.spend[c].map((x, t) => { run += x; return [t, 100 * run / budget]; });
        series.push({ name: chanLabel[c], type: 'line', showSymbol: false, color: chanColour(c),
          lineStyle: { width: 2 }, data: cum });
        const plan = evenPlan(v, c).map((x) => 100 * x / budget);
        if (sharedPlan === null) sharedPlan = plan;
        else if (plan.some((x, t) => Math.abs(x - sharedPlan[t]) > 1e-6)) samePlan = false;
        if (!samePlan) break;
      }
      if (sharedPlan && samePlan) {
        series.push({ name: 'Even pace (plan)', type: 'line', showSymbol: false, color: '#5b6570',
          lineStyle: { width: 2, type: [6, 5] }, data: sharedPlan.map((x, t) => [t, x]), z: 5 });
      } else if (act.length) { // flights differ per channel: one dashed plan line per channel
        series.length = 0;
        for (const c of act) {
          const budget = budgetOf(v, c);
          let run = 0;
          series.push({ name: chanLabel[c], type: 'line', showSymbol: false, color: chanColour(c),
            data: v.channels.spend[c].map((x, t) => { run += x; return [t, 100 * run / budget]; }) });
          series.push({ name: chanLabel[c], type: 'line', showSymbol: false, color: chanColour(c),
            lineStyle: { type: 'dashed', width: 1 }, data: evenPlan(v, c).map((x, t) => [t, 100 * x / budget]) });
        }
      }
      const o = base(`Budget pacing: ${pretty(v.name)}`,
        'Share of each channel\'s budget spent so far; the dashed line is an even pace over the flight.');
      o.legend = { top: 48, left: 4, right: 10, itemGap: 8, textStyle: { fontSize: 11 } };
      o.grid.top = 130;
      o.xAxis = dayAxis();
      o.yAxis = valueAxis('Budget spent so far (%)', { max: 100, axisLabel: { formatter: '{value}%' } });
      o.tooltip.valueFormatter = (x) => x.toFixed(1) + '%';
      o.series = series;
      return o;
    }
    function channelOption() {
      const v = variantByName[chState.variant];
      const c = chState.channel;
      const o = base(`${chanLabel[c]}: who it could reach, who it reached, what it cost (${pretty(v.name)})`,
        'Eligible: customers in the stages this channel can reach. Exposed: those it paid to reach that day.');
      o.legend = { top: 48, left: 4 };
      o.grid.top = 100;
      o.grid.right = 84;
      o.xAxis = dayAxis();
      o.yAxis = [valueAxis('Customers per day'),
        valueAxis(`Spend per day (${MONEY})`, { position: 'right', nameGap: 52, splitLine: { show: false } })];
      o.series = [
        { name: 'Eligible customers', type: 'line', showSymbol: false, color: OI.sky, lineStyle: { width: 2 },
          areaStyle: { opacity: 0.15 }, data: v.channels.eligible[c].map((x, t) => [t, x]) },
        { name: 'Exposed customers', type: 'line', showSymbol: false, color: OI.blue, lineStyle: { width: 2 },
          data: v.channels.exposed[c].map((x, t) => [t, x]) },
        { name: 'Spend (right axis)', type: 'line', yAxisIndex: 1, showSymbol: false, color: OI.vermilion,
          lineStyle: { width: 1.5, type: 'dashed' }, data: v.channels.spend[c].map((x, t) => [t, x]) },
      ];
      o.tooltip.valueFormatter = (x) => fmtInt(x);
      return o;
    }
    function channels() {
      const v0 = variantByName[chState.variant];
      const act = activeChannels(v0);
      chState.channel = act.length ? act[0] : 0;
      const redrawChannels = () => {
        redraw(spendChart, spendOption());
        redraw(pacingChart, pacingOption());
        redraw(channelChart, channelOption());
      };
      picker(el('channels-controls'), 'Strategy', variantItems(), chState.variant, (name) => {
        chState.variant = name;
        redrawChannels();
      });
      picker(el('channel-detail-controls'), 'Channel', D.channels.map((ch, c) => [String(c), ch.label]),
        String(chState.channel), (c) => {
          chState.channel = Number(c);
          redraw(channelChart, channelOption());
        });
      spendChart = chart('chart-spend', spendOption());
      pacingChart = chart('chart-pacing', pacingOption());
      channelChart = chart('chart-channel', channelOption());
    }

    // ---- 6. retention and time to first purchase ------------------------------------------------
    let retChart = null, fpChart = null;
    const retState = { variant: defaultVariant };
    const SEG_COLOURS = [OI.vermilion, OI.blue, OI.green, OI.purple, OI.orange, OI.sky];
    function retentionOption() {
      const v = variantByName[retState.variant];
      const G = D.segments.length;
      const o = base(`Still a customer, by days since the first purchase: ${pretty(v.name)}`,
        'Share of first-time buyers not yet lost to a competitor N days after their first purchase (method: see the note below).');
      o.legend = { top: 48, left: 4 };
      o.grid.top = 100;
      o.xAxis = dayAxis('Days since the first purchase');
      o.yAxis = valueAxis('Still a customer (% of first-time buyers)', { max: 100, axisLabel: { formatter: '{value}%' } });
      o.tooltip.valueFormatter = (x) => (isNum(x) ? x.toFixed(1) + '%' : 'n/a');
      if (!v.retention) { o.series = []; return o; }
      const line = (curve, name, colour, width, dashed) => ({
        name, type: 'line', showSymbol: false, color: colour, step: 'end',
        lineStyle: { width, type: dashed ? 'dashed' : 'solid' },
        data: curve.map((x, k) => [k, isNum(x) ? 100 * x : null]).filter((p) => p[1] !== null),
      });
      o.series = range(G).map((g) => line(v.retention[g].curve, segLabel[g], SEG_COLOURS[g % SEG_COLOURS.length], 1.8, false))
        .concat([line(v.retention[G].curve, 'All segments', '#1d2329', 2.5, true)]);
      return o;
    }
    function firstPurchaseOption() {
      const v = variantByName[retState.variant];
      const o = base(`Time to the first purchase, by segment: ${pretty(v.name)}`,
        'Share of the segment that has bought, by day. Dots: the median buyer\'s day.');
      o.legend = { top: 48, left: 4 };
      o.grid.top = 100;
      o.xAxis = dayAxis();
      o.yAxis = valueAxis('Has made a first purchase (% of segment)', { axisLabel: { formatter: '{value}%' } });
      o.tooltip.valueFormatter = (x) => (isNum(x) ? x.toFixed(1) + '%' : 'n/a');
      if (!v.first_purchase) { o.series = []; return o; }
      o.series = v.first_purchase.map((fp, g) => {
        let run = 0;
        const n = fp.customers || 1;
        const buyers = sum(fp.histogram);
        const data = fp.histogram.map((x, t) => { run += x; return [t, 100 * run / n]; });
        const half = data.findIndex((p) => p[1] >= 50 * buyers / n);
        return { name: segLabel[g], type: 'line', showSymbol: false, color: SEG_COLOURS[g % SEG_COLOURS.length],
          lineStyle: { width: 2 }, data,
          markPoint: half >= 0 && buyers > 0 ? { symbol: 'circle', symbolSize: 8, silent: true,
            label: { show: true, position: 'right', formatter: `day ${data[half][0]}`, fontSize: 11,
              color: SEG_COLOURS[g % SEG_COLOURS.length] },
            data: [{ coord: data[half] }] } : undefined };
      });
      return o;
    }
    function retention() {
      picker(el('retention-controls'), 'Strategy', variantItems(), retState.variant, (name) => {
        retState.variant = name;
        redraw(retChart, retentionOption());
        redraw(fpChart, firstPurchaseOption());
        retentionNote();  // the chosen strategy's own words (a world nobody can leave has no curve)
      });
      retChart = chart('chart-retention', retentionOption());
      fpChart = chart('chart-first-purchase', firstPurchaseOption());
      retentionNote();
    }
    function retentionNote() {
      const v = variantByName[retState.variant];
      const kd = D.variants[0].kpis.filter((k) => k.id.startsWith('days_to_first_purchase.'));
      el('retention-note').textContent = (v.retention_undefined
        ? `No retention curve for ${pretty(v.name)}: ${v.retention_undefined.replace(/^undefined: /, '')}. `
        : v.retention ? '' : 'This file holds no per-customer table (run without '
        + '--no-customers to see these curves). ')
        + (kd.length ? 'Mean days to the first purchase among buyers: ' + kd.map((k) => {
          const seg = D.segments.find((s) => 'days_to_first_purchase.' + s.name === k.id);
          const x = v.kpis.find((y) => y.id === k.id);
          return `${seg ? seg.label : k.id} ${x ? fmtUnit(x.mean, 'days') : 'n/a'}`;
        }).join(', ') + ` (${pretty(v.name)}).` : '');
    }

    // ---- 7. sweep -------------------------------------------------------------------------------
    // D.sweep (when the file is a sweep): { design, replicates, axes: [path], kpis: [{id, label,
    // unit, view}], variants: [name], rows: [{point, variant, values: [per axis], mean: [per kpi],
    // ci_low: [...], ci_high: [...]}] } (the /sweep table of results/README.md).
    let sweepChart = null;
    let sweepPanels = [];
    const swState = { kpi: null, axis: 0, page: 0 };
    const MAX_LINES = 4;    // more than this on one chart is a tangle: small multiples instead
    const MAX_PANELS = 12;  // more panels than this: a chooser pages through them
    // A varied key in the planner's words ("Search budget") and its values in its own units.
    const axisWords = (i) => (D.sweep.axis_words && D.sweep.axis_words[i]) || D.sweep.axes[i];
    function fmtAxisValue(x, i) {
      const q = D.sweep.axis_quantity ? D.sweep.axis_quantity[i] : 'number';
      if (q === 'money') return fmtMoney(x);
      if (q === 'share') return fmtPct(x);
      if (q === 'count') return fmtInt(x);
      return fmtAxis(x);
    }
    // Rows grouped into lines: one per variant and combination of the other keys' values (a Latin
    // hypercube has no two points alike: one scatter per variant).
    function sweepGroups() {
      const sw = D.sweep, ax = swState.axis, lhs = sw.design === 'lhs';
      const groups = new Map();
      for (const r of sw.rows) {
        const others = lhs ? [] : r.values.map((x, i) => (i === ax ? null : `${axisWords(i)} ${fmtAxisValue(x, i)}`)).filter(Boolean);
        const key = [sw.variants.length > 1 ? pretty(r.variant) : null].concat(others).filter(Boolean).join(', ') || 'All points';
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(r);
      }
      for (const rows of groups.values()) rows.sort((a, b) => a.values[ax] - b.values[ax]);
      return groups;
    }
    // The series of one group: its line (or points) and its 95% band (or whiskers).
    function groupSeries(name, rows, k, colour) {
      const sw = D.sweep, ax = swState.axis, lhs = sw.design === 'lhs';
      const pct = sw.kpis[k].unit === 'share' ? 100 : 1;
      const lo = rows.map((r) => [r.values[ax], isNum(r.ci_low[k]) ? r.ci_low[k] * pct : r.mean[k] * pct]);
      const hi = rows.map((r) => [r.values[ax], isNum(r.ci_high[k]) ? r.ci_high[k] * pct : r.mean[k] * pct]);
      const out = [{ name, type: lhs ? 'scatter' : 'line', data: rows.map((r) => [r.values[ax], isNum(r.mean[k]) ? r.mean[k] * pct : null]),
        color: colour, symbolSize: 7, lineStyle: { width: 2 } }];
      if (lhs) {
        out.push({ name, type: 'custom', silent: true, z: 1, tooltip: { show: false },
          data: rows.map((r, j) => [lo[j][0], lo[j][1], hi[j][1]]), encode: { x: 0, y: [1, 2] },
          renderItem: (params, api) => {
            const a = api.coord([api.value(0), api.value(1)]), b = api.coord([api.value(0), api.value(2)]);
            return { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] },
              style: { stroke: colour, lineWidth: 1.5, opacity: 0.6 } };
          } });
        return out;
      }
      // One quadrilateral between each pair of neighbouring points (ECharts cannot stack along a
      // value axis, so no stacked-area trick).
      const quads = rows.slice(1).map((r, j) => [lo[j][0], lo[j][1], hi[j][1], lo[j + 1][0], lo[j + 1][1], hi[j + 1][1]]);
      out.push({ name, type: 'custom', silent: true, z: 1, data: quads, tooltip: { show: false },
        encode: { x: [0, 3], y: [1, 2, 4, 5] },
        renderItem: (params, api) => {
          const p = (x, y) => api.coord([x, y]);
          return { type: 'polygon', style: { fill: colour, opacity: 0.18 },
            shape: { points: [p(api.value(0), api.value(1)), p(api.value(3), api.value(4)),
              p(api.value(3), api.value(5)), p(api.value(0), api.value(2))] } };
        } });
      return out;
    }
    const kpiUnitWords = (def) => (UNIT_WORDS[def.unit] === '% ' ? '%' : (UNIT_WORDS[def.unit] || def.unit));
    const sweepTooltip = (def, k) => ({ trigger: 'item', confine: true, formatter: (p) => {
      const ax = swState.axis;
      return `${esc(p.seriesName)}<br>${esc(axisWords(ax))} ${esc(fmtAxisValue(p.value[0], ax))}: `
        + `<b>${esc(fmtUnit(p.value[1] / (def.unit === 'share' ? 100 : 1), def.unit))}</b>`;
    } });
    const sweepXAxis = (ax, extra) => Object.assign({ type: 'value', name: axisWords(ax), nameLocation: 'middle',
      nameGap: 30, scale: true, axisLabel: { hideOverlap: true, formatter: (x) => fmtCompact(x) } }, extra || {});
    function sweepOption() {
      const sw = D.sweep;
      const k = sw.kpis.findIndex((x) => x.id === swState.kpi);
      const def = sw.kpis[k];
      const ax = swState.axis;
      const groups = sweepGroups();
      const series = [];
      let i = 0;
      for (const [name, rows] of groups) series.push(...groupSeries(name, rows, k, SERIES[i++ % SERIES.length]));
      const lhs = sw.design === 'lhs';
      const o = base(`${PLAIN_TITLES[def.id] || def.label} against ${axisWords(ax)}`,
        `Mean over ${sw.replicates} replicate(s) per point; the ${lhs ? 'whiskers show' : 'band is'} the 95% confidence interval.`);
      o.legend = { top: 48, left: 4, right: 30, data: [...groups.keys()] };
      o.grid.top = 100;
      o.xAxis = sweepXAxis(ax);
      o.yAxis = valueAxis(`${def.label} (${kpiUnitWords(def)})`, { scale: true });
      o.tooltip = sweepTooltip(def, k);
      o.series = series;
      return o;
    }
    // Small multiples: a small chart per line, on one shared y scale, in pages of MAX_PANELS.
    function drawPanels() {
      const sw = D.sweep;
      const k = sw.kpis.findIndex((x) => x.id === swState.kpi);
      const def = sw.kpis[k];
      const ax = swState.axis;
      const groups = [...sweepGroups()];
      const pct = def.unit === 'share' ? 100 : 1;
      const ends = sw.rows.flatMap((r) => [r.mean[k], r.ci_low[k], r.ci_high[k]]).filter(isNum).map((x) => x * pct);
      const step = niceStep((Math.max(...ends) - Math.min(...ends)) / 3 || Math.abs(Math.max(...ends)) / 3 || 1);
      const lo = Math.floor(Math.min(...ends) / step) * step, hi = Math.ceil(Math.max(...ends) / step) * step;
      for (const c of sweepPanels) { c.dispose(); charts.splice(charts.indexOf(c), 1); }
      sweepPanels = [];
      const box = el('sweep-panels');
      box.innerHTML = '';
      const pages = Math.ceil(groups.length / MAX_PANELS);
      swState.page = Math.min(swState.page, pages - 1);
      const pager = el('sweep-pager');
      pager.innerHTML = '';
      if (pages > 1) {
        picker(pager, 'Panels', range(pages).map((p) => [String(p),
          `${p * MAX_PANELS + 1}–${Math.min(groups.length, (p + 1) * MAX_PANELS)} of ${groups.length}`]),
        String(swState.page), (p) => { swState.page = Number(p); drawPanels(); });
      }
      const shown = groups.slice(swState.page * MAX_PANELS, (swState.page + 1) * MAX_PANELS);
      shown.forEach(([name, rows], j) => {
        const div = document.createElement('div');
        div.className = 'panel';
        div.id = `sweep-panel-${j}`;
        box.appendChild(div);
        const o = base(name, '');
        o.title.textStyle.fontSize = 12;
        o.legend = { show: false };
        o.grid = { left: 64, right: 16, top: 46, bottom: 46 };
        o.xAxis = sweepXAxis(ax, { nameGap: 26, nameTextStyle: { fontSize: 11 }, axisLabel: { fontSize: 10, hideOverlap: true, formatter: (x) => fmtCompact(x) } });
        o.yAxis = { type: 'value', min: lo, max: hi, interval: step,
          axisLabel: { fontSize: 10, formatter: (x) => (def.unit === 'share' ? `${Math.round(x)}%` : fmtCompact(x)) } };
        o.tooltip = sweepTooltip(def, k);
        // A strategy keeps its colour across panels.
        o.series = groupSeries(name, rows, k, SERIES[Math.max(0, sw.variants.indexOf(rows[0].variant)) % SERIES.length]);
        sweepPanels.push(chart(div.id, o));
      });
      el('sweep-panels-how').textContent = `${PLAIN_TITLES[def.id] || def.label} (${kpiUnitWords(def)}) against `
        + `${axisWords(ax)}: one small chart per ${sw.variants.length > 1 ? 'strategy and ' : ''}value of the other `
        + `keys, all on the same scale, so heights compare across panels. Lines are means over ${sw.replicates} `
        + 'replicate(s) per point; bands are 95% confidence intervals.';
    }
    function drawSweep() {
      const n = sweepGroups().size;
      const panels = D.sweep.design !== 'lhs' && n > MAX_LINES;
      root.dataset.sweepMode = panels ? 'panels' : 'lines';
      el('chart-sweep').hidden = panels;
      el('sweep-panels-box').hidden = !panels;
      if (panels) {
        drawPanels();
      } else if (!sweepChart) {
        sweepChart = chart('chart-sweep', sweepOption());
      } else {
        sweepChart.resize();  // it may have been hidden behind the panels
        redraw(sweepChart, sweepOption());
      }
    }
    function sweep() {
      const sw = D.sweep;
      if (!sw) return;
      el('sweep').hidden = false;
      const prefer = ['profit', 'revenue', 'new_customers'];
      swState.kpi = (prefer.find((id) => sw.kpis.some((x) => x.id === id))) || sw.kpis[0].id;
      const box = el('sweep-controls');
      const sel = document.createElement('select');
      sel.setAttribute('aria-label', 'KPI');
      sel.innerHTML = sw.kpis.map((x) => `<option value="${esc(x.id)}"${x.id === swState.kpi ? ' selected' : ''}>${esc(PLAIN_TITLES[x.id] || x.label)}</option>`).join('');
      sel.addEventListener('change', () => { swState.kpi = sel.value; drawSweep(); });
      const lab = document.createElement('label');
      lab.textContent = 'KPI ';
      lab.appendChild(sel);
      box.appendChild(lab);
      if (sw.axes.length > 1) {
        picker(box, 'Along', sw.axes.map((a, i) => [String(i), axisWords(i)]), '0', (i) => {
          swState.axis = Number(i);
          swState.page = 0;
          drawSweep();
        });
      }
      drawSweep();
      const shown = sw.kpis.filter((x) => ['profit', 'revenue', 'new_customers', 'cac', 'ltv', 'romi'].includes(x.id));
      const cols = shown.length ? shown : sw.kpis.slice(0, 6);
      let html = '<table class="kpi"><thead><tr><th>point</th>' + (sw.variants.length > 1 ? '<th>strategy</th>' : '')
        + sw.axes.map((a, i) => `<th>${esc(axisWords(i))}</th>`).join('')
        + cols.map((x) => `<th>${defLink(x.id, x.label)}</th>`).join('')
        + '</tr></thead><tbody>';
      for (const r of sw.rows) {
        html += `<tr><td>${r.point}</td>` + (sw.variants.length > 1 ? `<td>${esc(pretty(r.variant))}</td>` : '')
          + r.values.map((x, i) => `<td>${esc(fmtAxisValue(x, i))}</td>`).join('')
          + cols.map((x) => {
            const k = sw.kpis.indexOf(x);
            const ci = isNum(r.ci_low[k]) && isNum(r.ci_high[k]) && r.ci_high[k] > r.ci_low[k]
              ? `<span class="ci">${fmtUnit(r.ci_low[k], x.unit)} … ${fmtUnit(r.ci_high[k], x.unit)}</span>` : '';
            return `<td>${fmtUnit(r.mean[k], x.unit)}${ci}</td>`;
          }).join('') + '</tr>';
      }
      el('sweep-table').innerHTML = html + '</tbody></table>';
    }

    // ---- 8. attribution against the truth --------------------------------------------------------
    // D.attribution (files from cjsim value -o F --touch-paths): { variant, replicates,
    // half_life_days, channels: [name], truth: { conversions, conversions_low, conversions_high },
    // models: [{ model, conversions: [per channel], share_error }] }.
    const MODEL_LABELS = {
      last_touch: 'Last touch', first_touch: 'First touch', linear: 'Linear', time_decay: 'Time decay',
      position_based: 'Position-based 40/20/40', markov_1: 'Markov removal effect',
    };
    function attribution() {
      const at = D.attribution;
      if (!at) return;
      el('attribution').hidden = false;
      const labels = at.channels.map((name) => {
        const c = D.channels.find((x) => x.name === name);
        return c ? c.label : name;
      });
      const modelLabel = (m) => MODEL_LABELS[m] || m.replace(/_/g, ' ');
      el('attribution-how').innerHTML = `In <b>${esc(pretty(at.variant))}</b>, every purchase after a touch is `
        + 'credited to the channels on the path that led to it, by each model marketers use. The black bar is '
        + 'the truth: the purchases the channel really adds, measured by running the same world without it on '
        + `the same random numbers (${at.replicates} replicates; the whisker is the 95% interval).`;
      const truth = at.truth.conversions;
      const series = [{
        name: 'Truth: incremental purchases', type: 'bar', data: truth, color: '#1d2329', barGap: '8%',
      }, {
        name: 'truth interval', type: 'custom', silent: true, tooltip: { show: false }, z: 5,
        data: labels.map((_, c) => [c, at.truth.conversions_low[c], at.truth.conversions_high[c]])
          .filter((d) => isNum(d[1]) && isNum(d[2])),
        renderItem: (params, api) => {
          const lo = api.coord([api.value(0), api.value(1)]);
          const hi = api.coord([api.value(0), api.value(2)]);
          const off = api.size([1, 0])[0] * -0.4 + 4;  // over the first bar of the group
          const x = lo[0] + off;
          return { type: 'group', children: [
            { type: 'line', shape: { x1: x, y1: lo[1], x2: x, y2: hi[1] }, style: { stroke: OI.vermilion, lineWidth: 2 } },
            { type: 'line', shape: { x1: x - 4, y1: lo[1], x2: x + 4, y2: lo[1] }, style: { stroke: OI.vermilion, lineWidth: 2 } },
            { type: 'line', shape: { x1: x - 4, y1: hi[1], x2: x + 4, y2: hi[1] }, style: { stroke: OI.vermilion, lineWidth: 2 } },
          ] };
        },
      }].concat(at.models.map((m, i) => ({
        name: modelLabel(m.model), type: 'bar', data: m.conversions, color: SERIES[i % SERIES.length],
      })));
      const o = base('Purchases credited to each channel, by model and in truth',
        'Models share out every purchase that followed a touch; the truth counts only what the channel caused.');
      o.legend = { top: 48, left: 4, right: 10, type: 'scroll',
        data: series.filter((x) => x.type === 'bar').map((x) => x.name) };
      o.grid.top = 104;
      o.grid.bottom = 70;
      o.xAxis = { type: 'category', data: labels,
        axisLabel: { interval: 0, rotate: labels.length > 5 ? 18 : 0, fontSize: 11 } };
      o.yAxis = valueAxis('Purchases over the horizon');
      o.tooltip = { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true,
        valueFormatter: (v) => fmtInt(v) };
      o.series = series;
      chart('chart-attribution', o);

      // The table: each model's share error, and where it errs most.
      const rows = at.models.map((m) => {
        let over = null, under = null;
        m.conversions.forEach((x, c) => {
          if (!isNum(x) || !isNum(truth[c])) return;
          const gap = x - Math.max(truth[c], 0);
          if (!over || gap > over.gap) over = { c, gap };
          if (!under || gap < under.gap) under = { c, gap };
        });
        const desc = (g, word) => (g ? `${esc(labels[g.c])} (${fmtInt(m.conversions[g.c])} credited, ${fmtInt(truth[g.c])} true)` : 'n/a');
        return `<tr><td>${esc(modelLabel(m.model))}</td>`
          + `<td>${checked(m.share_error, fmtPct(m.share_error), 'share-error:' + m.model)}</td>`
          + `<td>${desc(over)}</td><td>${desc(under)}</td></tr>`;
      });
      el('attribution-table').innerHTML = '<table class="kpi"><thead><tr><th>model</th>'
        + '<th>share error</th><th>flatters most</th><th>starves most</th></tr></thead><tbody>'
        + rows.join('') + '</tbody></table>';
      const best = at.models.filter((m) => isNum(m.share_error))
        .reduce((a, b) => (!a || b.share_error < a.share_error ? b : a), null);
      el('attribution-note').textContent = 'Share error: half the sum over channels of the gap between the '
        + 'model\'s share of all credit and the truth\'s share of all incremental purchases (negative truths '
        + 'count as 0): the part of the credit a model gives the wrong channels. '
        + (best ? `Closest here: ${modelLabel(best.model)} (${fmtPct(best.share_error)}). ` : '')
        + `Time decay halves a touch's weight every ${at.half_life_days} days; the Markov model is first order. `
        + `Per replicate, ${fmtInt(at.conversions_per_run)} purchases followed a touch and `
        + `${fmtInt(at.organic_per_run)} did not (organic: no model credits them).`;
    }

    // ---- 9. one customer's story ----------------------------------------------------------------
    function story() {
      const st = D.story;
      if (!st || !st.available) {
        el('story-how').textContent = 'No story in this report: ' + ((st && st.reason) || 'none was asked for') + '.';
        el('chart-story').hidden = true;
        return;
      }
      const seg = D.segments[st.segment];
      el('story-how').innerHTML = `Customer ${esc(st.customer)} of <b>${esc(pretty(st.variant))}</b> `
        + `(replicate ${esc(st.replicate)}, ${esc(seg ? seg.label.toLowerCase() : '')}), `
        + `${esc(st.chosen)}. The scenario stored in the file was run again for this one customer `
        + '(the same seed gives the same life); the line is the stage the customer is in, day by day.'
        + (st.reproduced ? '' : ` <span class="warn">The re-run differs from the stored run: ${esc(st.mismatch)}.</span>`);
      const S = D.stages.length;
      const line = [];
      let stage = 0;
      for (const p of st.path) {
        if (p.how === 'start') { stage = p.stage; line.push([0, stage]); continue; }
        line.push([p.day, p.stage]);
        stage = p.stage;
      }
      line.push([days, stage]);
      const stageAt = (day) => {
        let s = line[0][1];
        for (const [d, x] of line) if (d <= day) s = x;
        return s;
      };
      const o = base(`Customer ${st.customer}'s year, stage by stage`,
        'Each step is a move; diamonds are purchases (order value), small dots are ads and contacts seen, '
        + 'stars are recommendations made or heard.');
      o.legend = { top: 48, left: 4 };
      o.grid.top = 100;
      o.grid.left = 120;
      o.xAxis = dayAxis();
      // A value axis for the marks (they sit a little above or below a stage's line) and, over it,
      // a category axis with a band per stage for the labels: band k's centre is value k.
      o.yAxis = [
        { type: 'value', min: -0.5, max: S - 0.5, show: false },
        { type: 'category', data: stageLabel, boundaryGap: true, position: 'left', name: 'Stage',
          nameLocation: 'end', axisTick: { show: false }, splitLine: { show: true, lineStyle: { color: '#eef1f4' } } },
      ];
      o.tooltip = { trigger: 'item', confine: true };
      o.series = [
        { name: 'Stage', type: 'line', step: 'end', data: line, showSymbol: false, color: '#1d2329',
          lineStyle: { width: 2.5 }, tooltip: { show: false } },
        { name: 'Ad or contact seen', type: 'scatter', symbolSize: 5, color: OI.sky,
          data: st.exposures.map((e) => ({ value: [e.day, stageAt(e.day) + 0.22], name: chanLabel[e.channel] })),
          tooltip: { formatter: (p) => `Day ${p.value[0]}: ${esc(p.name)}` } },
        { name: 'Purchase', type: 'scatter', symbol: 'diamond', symbolSize: 16, color: OI.orange,
          itemStyle: { borderColor: '#1d2329', borderWidth: 1 },
          data: st.purchases.map((b) => ({ value: [b.day, stageAt(b.day)], name: String(b.value) })),
          label: { show: true, position: 'top', fontSize: 11, formatter: (p) => fmtMoneyExact(Number(p.name)) },
          tooltip: { formatter: (p) => `Day ${p.value[0]}: pays ${fmtMoneyExact(Number(p.name))}` } },
        { name: 'Word of mouth', type: 'scatter', symbol: 'path://M0,-10L2.9,-4L9.5,-3.1L4.8,1.5L5.9,8.1L0,5L-5.9,8.1L-4.8,1.5L-9.5,-3.1L-2.9,-4Z',
          symbolSize: 13, color: OI.purple,
          data: st.word_of_mouth.map((w) => ({ value: [w.day, stageAt(w.day) - 0.25], name: w.kind.replace(/_/g, ' ') })),
          tooltip: { formatter: (p) => `Day ${p.value[0]}: ${esc(p.name)}` } },
      ];
      chart('chart-story', o);
      // The engine's story text (cjsim trace), line by line.
      const lines = st.text.split('\n').filter((x) => x.trim() !== '');
      el('story-text').innerHTML = lines.map((l, i) => {
        if (i === 0) return `<li class="head">${esc(l)}</li>`;
        const m = /^(Days? +[0-9-]+| {8})\s(.*)$/.exec(l);
        if (!m) return `<li class="head">${esc(l)}</li>`;
        const text = m[2].trim();
        const cls = /^(Pays|Buys again|Decides to buy)/.test(text) ? 'buy'
          : /^(Steps back|Leaves|Comes back)/.test(text) ? 'back' : '';
        return `<li class="${cls}"><span class="day">${esc(m[1].trim())}</span>${esc(text)}</li>`;
      }).join('');
    }

    // ---- 9. calibration ----------------------------------------------------------------------------
    // D.calibration (a calibration file, cjsim calibrate): periods, targets with observed values,
    // posterior predictive bands and forecast bands, parameters prior vs posterior, the screen, the
    // generations, and channel value over posterior draws (tools/report/README.md).
    function calibration() {
      const C = D.calibration;
      for (const id of ['cal-fit', 'cal-params', 'cal-answers', 'cal-how']) el(id).hidden = false;
      // -- observed over the predictive bands, then the forecast
      const series = C.targets.filter((t) => t.observed.length === C.periods.length);
      const state = { target: series.length ? series[0].name : null };
      const fitOption = () => {
        const t = series.find((x) => x.name === state.target);
        const n = C.periods.length;
        const f = t.forecast;
        const labels = C.periods.concat(f ? C.forecast_periods : []);
        const pad = (a, before, after) => Array(before).fill(null).concat(a).concat(Array(after).fill(null));
        const m = f ? C.forecast_periods.length : 0;
        const width = (lo, hi) => hi.map((h, i) => (isNum(h) && isNum(lo[i]) ? h - lo[i] : null));
        const p05 = t.bands.p05.concat(f ? f.p05 : []), p95 = t.bands.p95.concat(f ? f.p95 : []);
        const p25 = t.bands.p25.concat(f ? f.p25 : []), p75 = t.bands.p75.concat(f ? f.p75 : []);
        const p50 = t.bands.p50.concat(f ? f.p50 : []);
        const o = base(pretty(t.name.replace(/\./g, ': ')),
          `${C.draws} posterior draws; ${C.frequency} periods${f ? `; forecast ${m} periods ahead` : ''}`);
        o.legend = { top: 44, data: ['90% band', '50% band', 'median', 'observed'] };
        o.xAxis = { type: 'category', data: labels, name: 'Period starting', nameLocation: 'middle', nameGap: 30 };
        o.yAxis = valueAxis(pretty(t.name.split('.')[0]));
        o.series = [
          { name: '90% base', type: 'line', stack: 'b90', data: p05, lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
          { name: '90% band', type: 'line', stack: 'b90', data: width(p05, p95), lineStyle: { opacity: 0 }, symbol: 'none',
            areaStyle: { color: OI.sky, opacity: 0.25 }, color: OI.sky },
          { name: '50% base', type: 'line', stack: 'b50', data: p25, lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
          { name: '50% band', type: 'line', stack: 'b50', data: width(p25, p75), lineStyle: { opacity: 0 }, symbol: 'none',
            areaStyle: { color: OI.blue, opacity: 0.35 }, color: OI.blue },
          { name: 'median', type: 'line', data: p50, symbol: 'none', color: OI.blue, lineStyle: { width: 1.5 },
            markLine: f ? { symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: '#1d2329' },
              label: { formatter: 'forecast →', position: 'insideEndTop' }, data: [{ xAxis: n - 0.5 }] } : undefined },
          { name: 'observed', type: 'scatter', data: pad(t.observed, 0, m), symbolSize: 6, color: OI.vermilion },
        ];
        return o;
      };
      const note = () => {
        const t = series.find((x) => x.name === state.target);
        el('cal-fit-note').innerHTML = `${checked(t.coverage90, fmtPct(t.coverage90, 0), 'coverage:' + t.name)} of the observed `
          + `periods lie inside the 90% band; posterior predictive check p-value ${checked(t.ppp, isNum(t.ppp) ? t.ppp.toFixed(2) : 'n/a', 'ppp:' + t.name)}`
          + ' (near 0: the fitted world cannot produce data like these).'
          + (C.warnings.length ? ` <span class="warn">${C.warnings.map(esc).join(' ')}</span>` : '');
      };
      if (series.length) {
        let fitChart = null;
        picker(el('cal-fit-controls'), 'Target', series.map((t) => [t.name, t.name]), state.target, (v) => {
          state.target = v;
          fitChart.setOption(fitOption(), { notMerge: true });
          note();
        });
        fitChart = chart('chart-cal-fit', fitOption());
        note();
      }
      // -- prior against posterior, on a log axis when every value is positive
      const P = C.parameters;
      const positive = P.every((p) => [p.prior_p05, p.prior_p95, p.p05, p.p95].every((x) => isNum(x) && x > 0));
      const po = base('Before and after the data', positive ? 'log scale' : '');
      po.grid = Object.assign(po.grid, { left: 300 });
      po.legend = { top: 44, data: ['prior 5%–95%', 'posterior 5%–95%', 'posterior median'] };
      po.tooltip = { trigger: 'item', confine: true };
      po.yAxis = { type: 'category', data: P.map((p) => p.name), inverse: true, axisLabel: { width: 280, overflow: 'truncate' } };
      po.xAxis = { type: positive ? 'log' : 'value', name: 'value', nameLocation: 'middle', nameGap: 30, scale: true };
      po.series = [
        { name: 'prior 5%–95%', type: 'custom', color: '#BBBBBB',
          renderItem: (params, api) => {
            const a = api.coord([api.value(0), api.value(2)]), b = api.coord([api.value(1), api.value(2)]);
            return { type: 'rect', shape: { x: a[0], y: a[1] - 9, width: b[0] - a[0], height: 18 }, style: { fill: '#DDDDDD' } };
          },
          encode: { x: [0, 1], y: 2 }, data: P.map((p, i) => [p.prior_p05, p.prior_p95, i]) },
        { name: 'posterior 5%–95%', type: 'custom', color: OI.blue,
          renderItem: (params, api) => {
            const a = api.coord([api.value(0), api.value(2)]), b = api.coord([api.value(1), api.value(2)]);
            return { type: 'rect', shape: { x: a[0], y: a[1] - 5, width: b[0] - a[0], height: 10 }, style: { fill: OI.blue } };
          },
          encode: { x: [0, 1], y: 2 }, data: P.map((p, i) => [p.p05, p.p95, i]) },
        { name: 'posterior median', type: 'scatter', symbol: 'diamond', symbolSize: 12, color: OI.orange,
          data: P.map((p, i) => [p.p50, i]) },
      ];
      chart('chart-cal-params', po);
      el('cal-params-table').innerHTML = '<table class="data"><thead><tr><th>parameter</th><th>prior</th>'
        + '<th>prior 5% … 95%</th><th>posterior median</th><th>posterior 5% … 95%</th><th>width kept</th><th></th></tr></thead><tbody>'
        + P.map((p) => `<tr><td>${esc(p.name)}</td><td>${esc(p.prior)}</td><td>${fmtAxis(p.prior_p05)} … ${fmtAxis(p.prior_p95)}</td>`
          + `<td>${checked(p.p50, fmtAxis(p.p50), 'posterior-median:' + p.name)}</td><td>${fmtAxis(p.p05)} … ${fmtAxis(p.p95)}</td>`
          + `<td>${fmtPct(p.shrinkage, 0)}</td><td>${p.uninformed ? '<span class="warn" data-check="uninformed">the data say nothing about this</span>' : ''}</td></tr>`).join('')
        + '</tbody></table>';
      // -- channel value over posterior draws
      const V = C.value;
      const chans = [...new Set(V.rows.map((r) => r.channel))];
      const row = (c, m) => V.rows.find((r) => r.channel === c && r.measure === m);
      if (chans.length) {
        el('cal-answers-how').textContent = `Each channel switched off in the fitted world, for ${V.draws} draws of the `
          + `parameters from the posterior (${V.replicates} paired replicates each): the median and the 90% credible `
          + 'interval over the draws, which holds what the data leave uncertain, not only simulation noise. '
          + 'ROAS = the revenue the channel brought over the fitted window per unit it spent there.';
        const vo = base('Return on ad spend over the posterior', 'median and 90% credible interval');
        vo.tooltip = { trigger: 'item', confine: true };
        vo.xAxis = { type: 'category', data: chans, name: 'channel', nameLocation: 'middle', nameGap: 30 };
        vo.yAxis = valueAxis('ROAS');
        vo.series = [
          { name: 'interval', type: 'custom', color: OI.blue,
            renderItem: (params, api) => {
              const a = api.coord([api.value(0), api.value(1)]), b = api.coord([api.value(0), api.value(2)]);
              return { type: 'rect', shape: { x: a[0] - 10, y: b[1], width: 20, height: a[1] - b[1] }, style: { fill: OI.sky } };
            },
            encode: { x: 0, y: [1, 2] },
            data: chans.map((c, i) => { const r = row(c, 'roas'); return [i, r ? r.p05 : null, r ? r.p95 : null]; }) },
          { name: 'median', type: 'scatter', symbol: 'diamond', symbolSize: 12, color: OI.blue,
            data: chans.map((c, i) => { const r = row(c, 'roas'); return [i, r ? r.p50 : null]; }) },
        ];
        chart('chart-cal-value', vo);
        const cell = (r, unit) => (r && isNum(r.p50) ? `${fmtUnit(r.p50, unit)} <small>(${fmtUnit(r.p05, unit)} … ${fmtUnit(r.p95, unit)})</small>` : 'n/a');
        el('cal-value-table').innerHTML = '<table class="data"><thead><tr><th>channel</th><th>spend</th><th>incremental new customers</th>'
          + '<th>incremental revenue</th><th>incremental profit</th><th>ROAS</th></tr></thead><tbody>'
          + chans.map((c) => `<tr><td>${esc(c)}</td><td>${cell(row(c, 'spend'), 'currency')}</td>`
            + `<td>${cell(row(c, 'incremental.new_customers'), 'customers')}</td><td>${cell(row(c, 'incremental.revenue'), 'currency')}</td>`
            + `<td>${cell(row(c, 'incremental.profit'), 'currency')}</td>`
            + `<td><span data-check="${esc('roas:' + c)}" data-value="${esc(row(c, 'roas') ? row(c, 'roas').p50 : '')}">${cell(row(c, 'roas'), 'ratio')}</span></td></tr>`).join('')
          + '</tbody></table>';
      } else {
        el('cal-answers').hidden = true;
      }
      // -- the sampler's generations and the screen
      const G = C.generations;
      const eo = base('Generations of the sampler', `${fmtInt(C.simulations)} simulations; stopped: ${C.stopped}`);
      eo.legend = { top: 44, data: ['epsilon', 'acceptance'] };
      eo.xAxis = { type: 'category', data: G.map((_, i) => String(i)), name: 'generation', nameLocation: 'middle', nameGap: 30 };
      eo.yAxis = [valueAxis('epsilon'), { type: 'value', name: 'acceptance', max: 1, axisLabel: { formatter: (v) => fmtPct(v, 0) } }];
      eo.series = [
        { name: 'epsilon', type: 'line', data: G.map((g) => g.epsilon), color: OI.blue },
        { name: 'acceptance', type: 'bar', yAxisIndex: 1, data: G.map((g) => g.acceptance), color: OI.sky, barWidth: '40%' },
      ];
      chart('chart-cal-eps', eo);
      const S = C.screen;
      const so = base('Which parameter moves which target', 'in units of the target\'s noise');
      so.tooltip = { trigger: 'item', confine: true };
      so.grid = Object.assign(so.grid, { left: 240, bottom: 110 });
      so.xAxis = { type: 'category', data: S.targets, axisLabel: { rotate: 40, interval: 0 } };
      so.yAxis = { type: 'category', data: S.parameters, inverse: true, axisLabel: { width: 220, overflow: 'truncate' } };
      const cells = [];
      S.effect.forEach((r, i) => r.forEach((v, k) => cells.push([k, i, isNum(v) ? Number(v.toFixed(1)) : 0])));
      so.visualMap = { min: 0, max: Math.max(2, ...cells.map((c) => c[2])), calculable: false, orient: 'horizontal',
        left: 'center', bottom: 0, inRange: { color: ['#FFFFFF', OI.sky, OI.blue] } };
      so.series = [{ type: 'heatmap', data: cells, label: { show: true, fontSize: 10 } }];
      chart('chart-cal-screen', so);
      el('cal-advice').innerHTML = S.advice.concat(C.notes).map((a) => `<li>${esc(a)}</li>`).join('');
    }

    // ---- go: the report page draws every section ---------------------------------------------
    function draw() {
      try {
        definitions();
        sweep();
        if (D.calibration) calibration();
        if (hasRuns) {
          glance();
          compareChart();
          flows();
          occupancy();
          kpis();
          channels();
          retention();
          attribution();
          story();
        } else {
          for (const id of ['glance', 'compare', 'flows', 'occupancy', 'kpis', 'channels', 'retention', 'story']) {
            el(id).hidden = true;
          }
        }
        header();  // last: the contents list skips the sections left hidden
      } catch (e) {
        root.dataset.cjsimError = String(e && e.stack ? e.stack : e);
        console.error('cjsim report: ' + (e && e.stack ? e.stack : e));
        throw e;
      }
      Promise.all(firstRenders).then(() => {
        root.dataset.cjsimCharts = String(charts.length);
        root.dataset.cjsimReady = 'true';
      });
    }

    // The live page (cjsim serve) draws some sections again with every answer, and its own
    // charts with the same helpers, colours and words.
    return {
      draw, chart, redraw, glance, compareChart, flowOption, spendOption, pacingOption, base, valueAxis, dayAxis,
      fmtMoney, fmtMoneyExact, fmtUnit, fmtSpread, fmtInt, fmtPct, pretty, checked, defLink, chanColour,
      variantColour, MONEY, OI, isNum,
    };
  }

  window.cjsimReport = cjsimReport;
  const data = document.getElementById('cjsim-data');
  if (data) cjsimReport(JSON.parse(data.textContent)).draw();
})();
