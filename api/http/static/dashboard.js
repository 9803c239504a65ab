/* 心愿池管理台: the 统计图表 tab, drawn with Chart.js.
 *
 * Chart.js comes from npm (web/package.json, pinned in web/package-lock.json); make install
 * copies its UMD build to /admin/static/vendor/, so the page loads it from the project itself
 * and no CDN. Without it (a copy installed without that step) the figures are still shown as
 * numbers, with a note.
 *
 * The figures come from GET /api/v1/statistics; loadFigures() is the one place that reads
 * them. Where that route is missing (404) the same shape is built from the wish and
 * organisation lists' totals (fewer figures: no durations, no services delivered).
 * Every code is shown with its label from GET /api/v1/labels (models/enums.py).
 */
'use strict';

(function () {
  var A = window.WishpoolAdmin;
  if (!A) return;
  var el = A.el;

  var PATHS = {
    statistics: '/api/v1/statistics',
    wishes: '/api/v1/wishes',
    organisations: '/api/v1/organisations'
  };
  var MAX_MONTHS = 24;
  var COLOURS = ['#c62828', '#ef6c00', '#f9a825', '#2e7d32', '#00838f', '#1565c0', '#6a1b9a',
    '#ad1457', '#5d4037', '#546e7a'];
  var charts = {};

  // ---- dates (Asia/Shanghai) ----------------------------------------------------------------
  function localToday() {
    return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()).slice(0, 10);
  }

  function monthsBack(isoDay, months) {
    var y = parseInt(isoDay.slice(0, 4), 10);
    var m = parseInt(isoDay.slice(5, 7), 10) - months;
    while (m < 1) { m += 12; y -= 1; }
    return y + '-' + (m < 10 ? '0' : '') + m + '-01';
  }

  function monthList(start, end) {
    var months = [];
    var y = parseInt(start.slice(0, 4), 10);
    var m = parseInt(start.slice(5, 7), 10);
    var last = end.slice(0, 7);
    while (months.length < MAX_MONTHS) {
      var key = y + '-' + (m < 10 ? '0' : '') + m;
      months.push(key);
      if (key >= last) break;
      m += 1;
      if (m > 12) { m = 1; y += 1; }
    }
    return months;
  }

  function monthEnd(key) {
    var y = parseInt(key.slice(0, 4), 10);
    var m = parseInt(key.slice(5, 7), 10);
    var days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return key + '-' + (days < 10 ? '0' : '') + days;
  }

  // ---- the figures --------------------------------------------------------------------------
  /* {office_id, start, end} -> the StatisticsPublic shape (models/statistics.py). */
  function loadFigures(query) {
    return A.api('GET', PATHS.statistics, { query: query }).catch(function (err) {
      // http_404: no such route (a domain 404, e.g. an unknown office, is code not_found).
      if (err.code !== 'http_404') throw err;
      return figuresFromLists(query);
    });
  }

  function countWishes(query) {
    return A.api('GET', PATHS.wishes, { query: Object.assign({ limit: 1 }, query) })
      .then(function (page) { return page.total; });
  }

  function countOrganisations(query) {
    return A.api('GET', PATHS.organisations, { query: Object.assign({ limit: 1 }, query) })
      .then(function (page) { return page.total; });
  }

  /* The same figures from list totals, where GET /statistics is not there. */
  function figuresFromLists(query) {
    var L = A.labels();
    var base = { office_id: query.office_id, created_from: query.start, created_to: query.end };
    function byCode(name, map) {
      return Promise.all(Object.keys(map || {}).map(function (code) {
        var one = {};
        one[name] = code;
        var fulfilled = name === 'status' ? null : countWishes(Object.assign({ status: 'fulfilled' }, base, one));
        return Promise.all([countWishes(Object.assign({}, base, one)), fulfilled]).then(function (n) {
          var done = name === 'status' ? (code === 'fulfilled' ? n[0] : 0) : n[1];
          return { code: code, label: map[code], posted: n[0], fulfilled: done };
        });
      }));
    }
    var months = Promise.all(monthList(query.start, query.end).map(function (key) {
      var span = { office_id: query.office_id, created_from: key + '-01', created_to: monthEnd(key) };
      return Promise.all([countWishes(span), countWishes(Object.assign({ status: 'fulfilled' }, span))])
        .then(function (n) { return { month: key, posted: n[0], fulfilled: n[1] }; });
    }));
    var coverage = Promise.all(Object.keys(L.org_kind || {}).map(function (kind) {
      var q = { office_id: query.office_id, kind: kind };
      return Promise.all([countOrganisations(q), countOrganisations(Object.assign({ has_branch: true }, q))])
        .then(function (n) {
          return { code: kind, label: L.org_kind[kind], organisations: n[0], with_branch: n[1], rate: n[0] ? n[1] / n[0] : 0 };
        });
    }));
    return Promise.all([byCode('status', L.status), byCode('category', L.category), months, coverage])
      .then(function (parts) {
        var posted = parts[0].reduce(function (sum, s) { return sum + s.posted; }, 0);
        var fulfilled = parts[0].filter(function (s) { return s.code === 'fulfilled'; })
          .reduce(function (sum, s) { return sum + s.posted; }, 0);
        var orgs = parts[3].reduce(function (sum, k) { return sum + k.organisations; }, 0);
        var branches = parts[3].reduce(function (sum, k) { return sum + k.with_branch; }, 0);
        return {
          partial: true,
          start: query.start, end: query.end, posted: posted,
          fulfilment_rate: { fulfilled: fulfilled, eligible: posted, rate: posted ? fulfilled / posted : 0 },
          by_status: parts[0], by_category: parts[1], by_month: parts[2],
          coverage: { organisations: orgs, with_branch: branches, rate: orgs ? branches / orgs : 0, by_kind: parts[3] }
        };
      });
  }

  // ---- drawing --------------------------------------------------------------------------------
  function percent(rate) { return (Math.round((rate || 0) * 1000) / 10) + '%'; }

  function hours(value) { return value === null || value === undefined ? '—' : value + ' 小时'; }

  function renderFigures(stats) {
    var box = A.clear(document.getElementById('dash-figures'));
    var cards = [
      ['登记心愿', String(stats.posted)],
      ['已圆梦', String(stats.fulfilment_rate.fulfilled)],
      ['圆梦率', percent(stats.fulfilment_rate.rate)],
      ['三新组织建会覆盖率', percent(stats.coverage.rate)]
    ];
    if (stats.durations) {
      cards.push(['首次响应（中位数，工作时间）', hours(stats.durations.first_response.working_median_hours)]);
      cards.push(['对接资源（中位数，工作时间）', hours(stats.durations.to_match.working_median_hours)]);
    }
    if (stats.delivered) cards.push(['服务受益人数', String(stats.delivered.beneficiaries)]);
    cards.forEach(function (c) {
      box.appendChild(el('div', { className: 'figure-card' },
        el('div', { className: 'figure-name', text: c[0] }), el('div', { className: 'figure-value', text: c[1] })));
    });
    var note = document.getElementById('dash-note');
    note.textContent = '统计期间 ' + stats.start + ' 至 ' + stats.end + '（北京时间，按登记时间）。' +
      (stats.partial ? '统计接口暂不可用，以上为按心愿列表计算的数量，不含办理时长和服务人数。' : '');
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    var canvas = document.getElementById(id);
    config.options = Object.assign({ locale: 'zh-CN', responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new window.Chart(canvas, config);
  }

  function renderCharts(stats) {
    var status = stats.by_status.filter(function (s) { return s.posted > 0; });
    draw('chart-status', {
      type: 'doughnut',
      data: {
        labels: status.map(function (s) { return s.label; }),
        datasets: [{ label: '心愿数', data: status.map(function (s) { return s.posted; }), backgroundColor: COLOURS }]
      },
      options: { plugins: { legend: { position: 'right' } } }
    });
    draw('chart-category', {
      type: 'bar',
      data: {
        labels: stats.by_category.map(function (c) { return c.label; }),
        datasets: [
          { label: '登记', data: stats.by_category.map(function (c) { return c.posted; }), backgroundColor: COLOURS[0] },
          { label: '圆梦', data: stats.by_category.map(function (c) { return c.fulfilled; }), backgroundColor: COLOURS[3] }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    draw('chart-month', {
      type: 'line',
      data: {
        labels: stats.by_month.map(function (m) { return m.month.replace('-', '年') + '月'; }),
        datasets: [
          { label: '登记', data: stats.by_month.map(function (m) { return m.posted; }), borderColor: COLOURS[0], backgroundColor: COLOURS[0] },
          { label: '圆梦', data: stats.by_month.map(function (m) { return m.fulfilled; }), borderColor: COLOURS[3], backgroundColor: COLOURS[3] }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    draw('chart-coverage', {
      type: 'bar',
      data: {
        labels: stats.coverage.by_kind.map(function (k) { return k.label; }),
        datasets: [{
          label: '已建妇联组织的比例（%）',
          data: stats.coverage.by_kind.map(function (k) { return Math.round(k.rate * 1000) / 10; }),
          backgroundColor: COLOURS[5]
        }]
      },
      options: { scales: { y: { beginAtZero: true, max: 100 } } }
    });
  }

  function loadDashboard() {
    var form = document.getElementById('dash-filters');
    if (!form.elements.end.value) {
      // Default: the last six months, this one included.
      form.elements.end.value = localToday();
      form.elements.start.value = monthsBack(localToday(), 5);
    }
    var v = A.formValues(form);
    var query = { office_id: A.intOrNull(v.office_id), start: v.start, end: v.end };
    if (query.start > query.end) { A.notify('开始日期不能晚于结束日期', 'error'); return Promise.resolve(); }
    A.busy(form, true);
    return loadFigures(query).then(function (stats) {
      renderFigures(stats);
      if (window.Chart) renderCharts(stats);
      else document.getElementById('dash-note').textContent += '图表库没有安装（请运行 make install），只显示数字。';
    }).catch(A.showError).then(function () { A.busy(form, false); });
  }

  A.addTab('dashboard', loadDashboard);
  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('dash-filters').addEventListener('submit', function (e) {
      e.preventDefault();
      loadDashboard();
    });
  });
})();
