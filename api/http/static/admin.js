/* 心愿池管理台: vanilla JS, no build step, no third-party code.
 *
 * Every data call goes to /api/v1 with "Authorization: Bearer <令牌>"; the token lives in
 * sessionStorage only. API data is only ever put on the page as text (textContent and text
 * nodes, never parsed as HTML), so nothing a member writes in a wish can run as code here.
 * API paths are written out in full ('/api/v1/wishes/{id}') so a test can check each one
 * against /openapi.json; {name} placeholders are filled in by api().
 */
'use strict';

(function () {
  var TOKEN_KEY = 'wishpool.adminToken';
  var TAB_KEY = 'wishpool.adminTab';
  var PAGE = 20;

  var PATHS = {
    offices: '/api/v1/offices',
    groups: '/api/v1/groups',
    group: '/api/v1/groups/{id}',
    staff: '/api/v1/staff',
    organisations: '/api/v1/organisations',
    resources: '/api/v1/resources',
    wishes: '/api/v1/wishes',
    wish: '/api/v1/wishes/{id}',
    exportLedger: '/api/v1/export/ledger.xlsx',
    labels: '/api/v1/labels',
    gatewayLogin: '/api/v1/gateway/login',
    rules: '/api/v1/followup/rules',
    jobs: '/api/v1/followup/jobs',
    runs: '/api/v1/followup/runs',
    quality: '/api/v1/corrections/quality',
    suggestions: '/api/v1/wishes/{id}/suggestions',
    resourceDraft: '/api/v1/wishes/{id}/resource-draft',
    personExport: '/api/v1/people/export',
    personErase: '/api/v1/people/erase',
    audit: '/api/v1/audit',
    health: '/api/v1/health',
    deadLetters: '/api/v1/dead-letters',
    deadLetterReplay: '/api/v1/dead-letters/{id}/replay'
  };
  var ACTION_PATHS = {
    claim: '/api/v1/wishes/{id}/claim',
    match: '/api/v1/wishes/{id}/match',
    start: '/api/v1/wishes/{id}/start',
    fulfil: '/api/v1/wishes/{id}/fulfil',
    close: '/api/v1/wishes/{id}/close',
    reopen: '/api/v1/wishes/{id}/reopen'
  };

  // ---- Chinese labels for the API's fixed codes -------------------------------------------
  // The one vocabulary lives in models/enums.py; GET /api/v1/labels serves it once after login
  // ({status: {new: …}, category: {…}, …}). No label is copied into this file.
  var LABELS = {};
  // The follow-up tab's own words (job ids, run counters, rule names): not codes of the ledger.
  var JOB = {
    'followup.reminders': '跟进提醒', 'followup.digest': '每日汇总', 'followup.monthly': '月度小结',
    reminders: '跟进提醒', digest: '每日汇总', monthly: '月度小结',
    'privacy.retention': '个人信息到期清理'
  };
  var CHANNEL = { staff_group: '发到工作人员群', private: '私聊负责人' };
  var COUNT = {
    overdue: '逾期', deferred_quiet: '免打扰顺延', unrouted: '无人接收', reminded: '已提醒',
    escalated: '已上报', messages: '消息', duration_ms: '耗时(毫秒)',
    skipped_non_working_day: '非工作日跳过', skipped: '跳过',
    wishes_anonymised: '心愿匿名化', triage_blanked: '待确认原话删除', commands_deleted: '指令记录删除',
    messages_deleted: '消息删除', audit_deleted: '审计日志删除'
  };
  var RULES = [
    ['unclaimed_working_hours', '未认领多久提醒（工作小时）'],
    ['unmatched_working_days', '未对接多久提醒（工作日）'],
    ['escalate_after_working_days', '再过多久上报上级（工作日）'],
    ['remind_interval_hours', '重复提醒间隔（小时）'],
    ['offer_days', function () { return '“' + label(LABELS.kind, 'offer') + '”类心愿处理期限（天）'; }],
    ['channel', '提醒方式']
  ];

  var state = {
    token: '',
    offices: {}, officeList: [],
    staff: {}, staffList: [],
    groups: {},
    wishes: { offset: 0, status: '', category: '', q: '' },
    resources: { offset: 0, q: '' },
    groupPage: { offset: 0 },
    staffPage: { offset: 0 },
    orgs: { offset: 0, kind: '', q: '' },
    currentWish: null,
    openWish: null,
    auditPage: { offset: 0 }
  };

  // ---- DOM helpers (text only) ------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var key;
    if (attrs) {
      for (key in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
        var value = attrs[key];
        if (value === null || value === undefined || value === false) continue;
        if (key === 'text') node.textContent = String(value);
        else if (key === 'className') node.className = value;
        else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
        else if (value === true) node.setAttribute(key, '');
        else node.setAttribute(key, String(value));
      }
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function label(map, code) {
    if (code === null || code === undefined || code === '') return '—';
    return map && Object.prototype.hasOwnProperty.call(map, code) ? map[code] : String(code);
  }

  function dash(value) {
    return value === null || value === undefined || value === '' ? '—' : String(value);
  }

  var TIME_FMT = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hour12: false
  });

  function fmtTime(iso) {
    if (!iso) return '—';
    var text = String(iso);
    // The API stores UTC; a value without an offset is UTC too.
    if (!/([zZ]|[+-]\d\d:?\d\d)$/.test(text)) text += 'Z';
    var moment = new Date(text);
    return isNaN(moment.getTime()) ? String(iso) : TIME_FMT.format(moment);
  }

  function officeName(id) {
    if (id === null || id === undefined) return '—';
    return state.offices[id] ? state.offices[id].name : '妇联 ' + id;
  }

  function staffName(id) {
    if (id === null || id === undefined) return '—';
    return state.staff[id] ? state.staff[id].name : '工作人员 ' + id;
  }

  // ---- messages -----------------------------------------------------------------------------
  var noticeTimer = null;

  function notify(message, kind) {
    var box = $('notice');
    box.textContent = message;
    box.className = 'notice ' + (kind || 'error');
    box.hidden = false;
    if (noticeTimer) clearTimeout(noticeTimer);
    noticeTimer = kind === 'ok' ? setTimeout(function () { box.hidden = true; }, 4000) : null;
  }

  function showError(err) {
    notify(err && err.message ? err.message : '出错了，请稍后再试', 'error');
  }

  // ---- the API ------------------------------------------------------------------------------
  function ApiError(message, status, code) {
    this.message = message;
    this.status = status;
    this.code = code;
  }

  function fillPath(template, params) {
    return template.replace(/\{(\w+)\}/g, function (_, name) {
      if (!params || params[name] === undefined) throw new Error('缺少参数 ' + name);
      return encodeURIComponent(String(params[name]));
    });
  }

  function queryString(query) {
    var parts = [];
    Object.keys(query || {}).forEach(function (key) {
      var value = query[key];
      if (value === null || value === undefined || value === '') return;
      (Array.isArray(value) ? value : [value]).forEach(function (v) {
        parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(String(v)));
      });
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  /* api(method, PATHS.x, {path: {id: 3}, query: {...}, body: {...}, raw: true}) */
  function api(method, template, opts) {
    opts = opts || {};
    if (!state.token) {
      return Promise.reject(new ApiError('请先在右上角输入令牌', 401, 'no_token'));
    }
    var headers = { Authorization: 'Bearer ' + state.token, Accept: 'application/json' };
    var init = { method: method, headers: headers, cache: 'no-store' };
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    var url = fillPath(template, opts.path) + queryString(opts.query);
    return fetch(url, init).then(function (response) {
      if (response.ok) {
        if (opts.raw) return response;
        if (response.status === 204) return null;
        return response.json();
      }
      return response.json().catch(function () { return null; }).then(function (data) {
        var error = data && data.error;
        var message = error && error.message ? error.message : '请求失败（' + response.status + '）';
        throw new ApiError(message, response.status, error && error.code);
      });
    }, function () {
      throw new ApiError('无法连接服务器，请检查网络后重试', 0, 'network');
    });
  }

  /* Every row of a list endpoint (the reference lists: offices, staff, groups). */
  function loadAll(template, query) {
    var rows = [];
    function next(offset) {
      var q = Object.assign({}, query || {}, { limit: 200, offset: offset });
      return api('GET', template, { query: q }).then(function (page) {
        rows = rows.concat(page.items);
        if (page.items.length && rows.length < page.total && offset < 2000) {
          return next(offset + page.items.length);
        }
        return rows;
      });
    }
    return next(0);
  }

  function loadReference() {
    var offices = loadAll(PATHS.offices).then(function (items) {
      state.officeList = items;
      state.offices = {};
      items.forEach(function (o) { state.offices[o.id] = o; });
    });
    var staff = loadAll(PATHS.staff).then(function (items) {
      state.staffList = items;
      state.staff = {};
      items.forEach(function (s) { state.staff[s.id] = s; });
    });
    var groups = loadAll(PATHS.groups).then(function (items) {
      state.groups = {};
      items.forEach(function (g) { state.groups[g.id] = g; });
    });
    return Promise.all([offices, staff, groups]).then(fillReferenceSelects);
  }

  function fillReferenceSelects() {
    document.querySelectorAll('select[data-offices]').forEach(function (select) {
      var empty = select.getAttribute('data-offices');
      clear(select);
      if (empty) select.appendChild(el('option', { value: '', text: empty }));
      state.officeList.forEach(function (o) {
        var depth = Math.max(0, (o.path || '/').split('/').filter(Boolean).length - 1);
        var indent = new Array(depth + 1).join('　');
        select.appendChild(el('option', { value: o.id, text: indent + o.name }));
      });
    });
    document.querySelectorAll('select[data-staff]').forEach(function (select) {
      clear(select);
      select.appendChild(el('option', { value: '', text: select.getAttribute('data-staff') }));
      state.staffList.forEach(function (s) {
        if (s.active) select.appendChild(el('option', { value: s.id, text: s.name + '（' + officeName(s.office_id) + '）' }));
      });
    });
  }

  // ---- shared table pieces ------------------------------------------------------------------
  function fillRows(tbody, rows, columns, makeRow) {
    clear(tbody);
    if (!rows.length) {
      tbody.appendChild(el('tr', { className: 'empty' }, el('td', { colspan: columns, text: '暂无数据' })));
      return;
    }
    rows.forEach(function (row) { tbody.appendChild(makeRow(row)); });
  }

  function loadingRow(tbody, columns) {
    clear(tbody).appendChild(el('tr', { className: 'empty' }, el('td', { colspan: columns, text: '加载中…' })));
  }

  function renderPager(box, pageState, page, reload) {
    clear(box);
    var pages = Math.max(1, Math.ceil(page.total / PAGE));
    var current = Math.floor(page.offset / PAGE) + 1;
    box.appendChild(el('button', {
      type: 'button', className: 'plain', text: '上一页', disabled: current <= 1,
      onclick: function () { pageState.offset = Math.max(0, pageState.offset - PAGE); reload(); }
    }));
    box.appendChild(el('span', { text: '第 ' + current + ' / ' + pages + ' 页，共 ' + page.total + (page.total_capped ? '+' : '') + ' 条' }));
    box.appendChild(el('button', {
      type: 'button', className: 'plain', text: '下一页', disabled: current >= pages,
      onclick: function () { pageState.offset += PAGE; reload(); }
    }));
  }

  function badge(text, kind) { return el('span', { className: 'badge ' + (kind || ''), text: text }); }

  function formValues(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) return;
      if (field.type === 'checkbox') values[field.name] = field.checked;
      else values[field.name] = field.value.trim();
    });
    return values;
  }

  function intOrNull(text) { return text === '' ? null : parseInt(text, 10); }

  function busy(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll('button'), function (b) { b.disabled = on; });
  }

  // ---- 心愿台账 ------------------------------------------------------------------------------
  function wishQuery() {
    var f = state.wishes;
    return {
      status: f.status, category: f.category, q: f.q,
      office_id: f.office_id, created_from: f.created_from, created_to: f.created_to
    };
  }

  function loadWishes() {
    var tbody = $('wish-rows');
    loadingRow(tbody, 6);
    var query = Object.assign(wishQuery(), { limit: PAGE, offset: state.wishes.offset });
    return api('GET', PATHS.wishes, { query: query }).then(function (page) {
      fillRows(tbody, page.items, 6, function (w) {
        var open = function () { showWish(w.id); };
        return el('tr', {
          tabindex: '0', onclick: open,
          onkeydown: function (e) { if (e.key === 'Enter') open(); }
        },
        el('td', { className: 'nowrap', text: w.number }),
        el('td', { className: 'text', text: wishText(w), title: wishText(w) }),
        el('td', { className: 'nowrap', text: label(LABELS.category, w.category) }),
        el('td', null, badge(label(LABELS.status, w.status), 's-' + w.status)),
        el('td', { className: 'nowrap', text: officeName(w.office_id) }),
        el('td', { className: 'nowrap', text: fmtTime(w.created_at) }));
      });
      renderPager($('wish-pager'), state.wishes, page, loadWishes);
    }).catch(function (err) { fillRows(tbody, [], 6); showError(err); });
  }

  function showList() {
    $('wish-detail-view').hidden = true;
    $('wish-list-view').hidden = false;
    state.currentWish = null;
  }

  function showWish(id) {
    $('wish-list-view').hidden = true;
    $('wish-detail-view').hidden = false;
    var box = clear($('wish-detail'));
    box.appendChild(el('p', { className: 'muted', text: '加载中…' }));
    return api('GET', PATHS.wish, { path: { id: id } }).then(function (detail) {
      state.currentWish = detail;
      renderWish(detail);
    }).catch(function (err) {
      clear(box).appendChild(el('p', { className: 'muted', text: '无法打开这条心愿。' }));
      showError(err);
    });
  }

  function field(name, value) {
    return [el('dt', { text: name }), el('dd', { text: dash(value) })];
  }

  // A sensitive wish this token may not read comes without text (view "restricted").
  function wishText(w) {
    return w.view === 'restricted' ? '（敏感心愿：内容只有管理员和负责人可以查看）' : w.text;
  }

  function renderWish(detail) {
    var w = detail.wish;
    var box = clear($('wish-detail'));
    var group = w.group_id !== null && state.groups[w.group_id];
    box.appendChild(el('h2', null, '心愿 ' + w.number + ' ', badge(label(LABELS.status, w.status), 's-' + w.status)));
    box.appendChild(el('p', { className: 'wish-text', text: wishText(w) }));
    box.appendChild(el('dl', { className: 'facts' },
      field('类别', label(LABELS.category, w.category)),
      field('类型', label(LABELS.kind, w.kind)),
      field('所属妇联', officeName(w.office_id)),
      field('来源群', group ? (group.topic || group.room_id) : (w.group_id === null ? '手工登记' : '群 ' + w.group_id)),
      field('提交人', w.submitter_name || w.submitter_wechat_id),
      field('负责人', w.assignee_id === null ? null : staffName(w.assignee_id)),
      field('计划日期', w.planned_date),
      field('提交时间', fmtTime(w.created_at)),
      w.status === 'closed' ? field('关闭原因', label(LABELS.close_reason, w.close_reason)) : null,
      w.escalation_level ? field('已上报', w.escalation_level + ' 级') : null));

    var actions = el('div', { className: 'wish-actions' });
    var formBox = el('div', { id: 'action-form' });
    if (detail.allowed_actions.length) {
      detail.allowed_actions.forEach(function (action) {
        actions.appendChild(el('button', {
          type: 'button', className: action === 'close' ? 'danger' : 'primary',
          text: label(LABELS.action, action),
          onclick: function () { openActionForm(action, w, formBox); }
        }));
      });
    } else {
      actions.appendChild(el('span', { className: 'muted', text: '这条心愿已完成，没有可以进行的操作。' }));
    }
    if (w.kind === 'offer' || w.category === 'volunteer') {
      // An offer (爱心提供) becomes a resource draft; turning it twice finds the same draft.
      actions.appendChild(el('button', {
        type: 'button', className: 'plain', text: '转资源',
        onclick: function () {
          api('POST', PATHS.resourceDraft, { path: { id: w.id } }).then(function (r) {
            notify('已转为资源草稿：资源' + r.id + '「' + r.name + '」，请在暖新资源库完善后启用', 'ok');
          }).catch(showError);
        }
      }));
    }
    decorate('wishActions', actions, detail);
    box.appendChild(el('h3', { text: '操作' }));
    box.appendChild(actions);
    box.appendChild(formBox);

    if (detail.matches.length) {
      box.appendChild(el('h3', { text: '对接的资源' }));
      box.appendChild(el('ul', { className: 'plain-list' }, detail.matches.map(function (m) {
        return el('li', null, el('strong', { text: m.resource_name }), '（' + m.resource_provider + '）',
          m.note ? ' — ' + m.note : '');
      })));
    }
    if (detail.fulfilment) {
      var f = detail.fulfilment;
      box.appendChild(el('h3', { text: '圆梦记录' }));
      box.appendChild(el('dl', { className: 'facts' },
        field('服务日期', f.delivered_on),
        field('受益人数', f.beneficiaries),
        field('价值（元）', f.value_yuan),
        field('服务说明', f.summary),
        field('反馈', f.feedback)));
    }

    box.appendChild(el('h3', { text: '时间线' }));
    box.appendChild(el('ol', { className: 'timeline' }, detail.timeline.map(function (ev) {
      var change = '';
      if (ev.from_status && ev.to_status) change = label(LABELS.status, ev.from_status) + ' → ' + label(LABELS.status, ev.to_status);
      else if (ev.to_status) change = '→ ' + label(LABELS.status, ev.to_status);
      return el('li', null,
        el('span', { className: 'when', text: fmtTime(ev.at) }),
        el('span', { className: 'what', text: label(LABELS.event, ev.kind) }),
        change ? el('span', { className: 'change', text: change }) : null,
        el('span', { className: 'who', text: ev.actor }),
        ev.note ? el('div', { className: 'note', text: ev.note }) : null);
    })));
  }

  function today() {
    var parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    return parts.slice(0, 10);
  }

  function openActionForm(action, wish, box) {
    clear(box);
    var form = el('form', { className: 'form action' });
    form.appendChild(el('h4', { text: label(LABELS.action, action) + '：' + wish.number }));
    var build = {
      claim: function () {
        var select = el('select', { name: 'assignee_id' }, el('option', { value: '', text: '（不指定）' }));
        state.staffList.forEach(function (s) {
          if (s.active) select.appendChild(el('option', { value: s.id, text: s.name + '（' + officeName(s.office_id) + '）' }));
        });
        form.appendChild(el('label', null, '负责人 ', select));
      },
      match: function () {
        var list = el('div', { className: 'checks resource-checks' }, el('span', { className: 'muted', text: '加载资源…' }));
        form.appendChild(el('fieldset', null, el('legend', { text: '选择资源（可多选）' }), list));
        var suggested = api('GET', PATHS.suggestions, { path: { id: wish.id } })
          .catch(function () { return []; });  // without suggestions the list still works
        api('GET', PATHS.resources, { query: { active: true, limit: 200 } }).then(function (page) {
          return suggested.then(function (tips) {
            clear(list);
            if (!page.items.length) list.appendChild(el('span', { className: 'muted', text: '资源库还没有可用的资源，请先到“暖新资源库”添加。' }));
            var why = {};
            tips.forEach(function (t) { why[t.resource_id] = t.why.join('、') || '推荐'; });
            // Suggested resources first, best first, each with why it was suggested.
            var items = tips.map(function (t) {
              return page.items.filter(function (r) { return r.id === t.resource_id; })[0];
            }).filter(Boolean).concat(page.items.filter(function (r) { return !why[r.id]; }));
            items.forEach(function (r) {
              var mark = why[r.id] ? '荐 ' : ((r.categories || []).indexOf(wish.category) >= 0 ? '★ ' : '');
              list.appendChild(el('label', { className: 'check' },
                el('input', { type: 'checkbox', name: 'resource', value: r.id }),
                ' ' + mark + '资源' + r.id + ' ' + r.name + '（' + r.provider + '）' + (why[r.id] ? ' — ' + why[r.id] : '')));
            });
          });
        }).catch(showError);
      },
      fulfil: function () {
        form.appendChild(el('label', null, '服务日期 ', el('input', { name: 'delivered_on', type: 'date', required: true, value: today() })));
        form.appendChild(el('label', null, '受益人数 ', el('input', { name: 'beneficiaries', type: 'number', min: '0', value: '1' })));
        form.appendChild(el('label', null, '价值（元） ', el('input', { name: 'value_yuan', type: 'number', min: '0', step: '0.01', value: '0' })));
        form.appendChild(el('label', { className: 'wide' }, '服务说明 ', el('textarea', { name: 'summary', rows: '2' })));
        form.appendChild(el('label', { className: 'wide' }, '反馈 ', el('textarea', { name: 'feedback', rows: '2' })));
      },
      close: function () {
        var select = el('select', { name: 'reason', required: true }, el('option', { value: '', text: '请选择原因' }));
        fillSelect(select, LABELS.close_reason, null);
        form.appendChild(el('label', null, '关闭原因 ', select));
      }
    };
    if (build[action]) build[action]();
    if (action !== 'fulfil') {
      form.appendChild(el('label', { className: 'wide' }, '备注 ', el('textarea', { name: 'note', rows: '2', maxlength: '500' })));
    }
    form.appendChild(el('div', { className: 'actions' },
      el('button', { type: 'submit', className: action === 'close' ? 'danger' : 'primary', text: '确定' + label(LABELS.action, action) }),
      el('button', { type: 'button', className: 'plain', text: '取消', onclick: function () { clear(box); } })));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var v = formValues(form);
      var body;
      if (action === 'claim') body = { assignee_id: intOrNull(v.assignee_id), note: v.note };
      else if (action === 'match') {
        var ids = Array.prototype.map.call(form.querySelectorAll('input[name=resource]:checked'),
          function (c) { return parseInt(c.value, 10); });
        if (!ids.length) { notify('请至少选择一个资源', 'error'); return; }
        body = { resource_ids: ids, note: v.note };
      } else if (action === 'fulfil') {
        body = {
          delivered_on: v.delivered_on, beneficiaries: parseInt(v.beneficiaries || '0', 10),
          value_yuan: parseFloat(v.value_yuan || '0'), summary: v.summary, feedback: v.feedback
        };
      } else if (action === 'close') {
        if (!v.reason) { notify('请选择关闭原因', 'error'); return; }
        body = { reason: v.reason, note: v.note };
      } else body = { note: v.note };
      busy(form, true);
      api('POST', ACTION_PATHS[action], { path: { id: wish.id }, body: body }).then(function () {
        notify('已' + label(LABELS.action, action) + '：' + wish.number, 'ok');
        showWish(wish.id);
      }).catch(function (err) { busy(form, false); showError(err); });
    });
    box.appendChild(form);
    var first = form.querySelector('select, input, textarea');
    if (first) first.focus();
  }

  function exportLedger() {
    var button = $('export-btn');
    button.disabled = true;
    button.textContent = '正在导出…';
    var query = wishQuery();
    // Full data (names, unmasked): administrators only, and the API audits it.
    if ($('export-full') && $('export-full').checked) query.full = 'true';
    api('GET', PATHS.exportLedger, { query: query, raw: true }).then(function (response) {
      var name = '心愿台账.xlsx';
      var disposition = response.headers.get('Content-Disposition') || '';
      var match = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
      if (match) { try { name = decodeURIComponent(match[1]); } catch (e) { /* keep default */ } }
      return response.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = el('a', { href: url, download: name });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        notify('已导出：' + name, 'ok');
      });
    }).catch(showError).then(function () {
      button.disabled = false;
      button.textContent = '导出台账';
    });
  }

  // ---- 暖新资源库 ----------------------------------------------------------------------------
  function loadResources() {
    var tbody = $('resource-rows');
    loadingRow(tbody, 9);
    var query = { q: state.resources.q, limit: PAGE, offset: state.resources.offset };
    return api('GET', PATHS.resources, { query: query }).then(function (page) {
      fillRows(tbody, page.items, 9, function (r) {
        var contact = [r.contact_person, r.contact_phone].filter(Boolean).join(' ');
        // 资源7: the number staff type in 匹配 42 资源7 and 我要 资源7.
        return decorate('resourceRow', el('tr', { 'data-resource-id': r.id },
          el('td', { className: 'nowrap mono', text: '资源' + r.id }),
          el('td', { className: 'text' }, el('strong', { text: r.name }),
            r.description ? el('div', { className: 'muted small', text: r.description }) : null),
          el('td', { text: r.provider }),
          el('td', { text: (r.categories || []).map(function (c) { return label(LABELS.category, c); }).join('、') || '—' }),
          el('td', { className: 'nowrap', text: r.office_id === null ? '全市通用' : officeName(r.office_id) }),
          el('td', { text: dash(contact) }),
          el('td', { text: dash(r.availability) }),
          el('td', null, r.active ? badge('可用', 'on') : badge('停用', 'off'))), r);
      });
      renderPager($('resource-pager'), state.resources, page, loadResources);
    }).catch(function (err) { fillRows(tbody, [], 9); showError(err); });
  }

  function saveResource(e) {
    e.preventDefault();
    var form = e.target;
    var v = formValues(form);
    var categories = Array.prototype.map.call(form.querySelectorAll('input[name=cat]:checked'),
      function (c) { return c.value; });
    var body = {
      name: v.name, provider: v.provider, categories: categories, description: v.description,
      office_id: intOrNull(v.office_id), capacity: intOrNull(v.capacity),
      contact_person: v.contact_person, contact_phone: v.contact_phone, availability: v.availability
    };
    busy(form, true);
    api('POST', PATHS.resources, { body: body }).then(function (r) {
      notify('已添加资源：' + r.name, 'ok');
      form.reset();
      state.resources.offset = 0;
      loadResources();
    }).catch(showError).then(function () { busy(form, false); });
  }

  // ---- 微信群 --------------------------------------------------------------------------------
  function loadGroups() {
    var tbody = $('group-rows');
    loadingRow(tbody, 6);
    var query = { limit: PAGE, offset: state.groupPage.offset };
    return api('GET', PATHS.groups, { query: query }).then(function (page) {
      fillRows(tbody, page.items, 6, function (g) {
        state.groups[g.id] = g;
        return el('tr', null,
          el('td', { text: g.topic || '（未命名）' }),
          el('td', { className: 'mono', text: g.room_id }),
          el('td', { text: officeName(g.office_id) }),
          el('td', { text: g.is_staff_group ? '工作人员群' : '群众群' }),
          el('td', null, g.enabled ? badge('已启用', 'on') : badge('未启用', 'off')),
          el('td', null, el('button', {
            type: 'button', className: g.enabled ? 'plain' : 'primary',
            text: g.enabled ? '停用' : '启用',
            onclick: function (e) { toggleGroup(g, e.target); }
          })));
      });
      renderPager($('group-pager'), state.groupPage, page, loadGroups);
    }).catch(function (err) { fillRows(tbody, [], 6); showError(err); });
  }

  function toggleGroup(group, button) {
    button.disabled = true;
    api('PATCH', PATHS.group, { path: { id: group.id }, body: { enabled: !group.enabled } }).then(function (g) {
      notify((g.enabled ? '已启用：' : '已停用：') + (g.topic || g.room_id), 'ok');
      loadGroups();
    }).catch(function (err) { button.disabled = false; showError(err); });
  }

  // ---- 工作人员 ------------------------------------------------------------------------------
  function loadStaff() {
    var tbody = $('staff-rows');
    loadingRow(tbody, 7);
    var query = { limit: PAGE, offset: state.staffPage.offset };
    return api('GET', PATHS.staff, { query: query }).then(function (page) {
      fillRows(tbody, page.items, 7, function (s) {
        return decorate('staffRow', el('tr', { 'data-staff-id': s.id },
          el('td', { text: s.name }),
          el('td', { className: 'mono', text: s.wechat_id }),
          el('td', { text: label(LABELS.role, s.role) }),
          el('td', { text: officeName(s.office_id) }),
          el('td', { text: (s.zones || []).join('、') || '—' }),
          el('td', null, s.active ? badge('在岗', 'on') : badge('停用', 'off'))), s);
      });
      renderPager($('staff-pager'), state.staffPage, page, loadStaff);
    }).catch(function (err) { fillRows(tbody, [], 7); showError(err); });
  }

  function saveStaff(e) {
    e.preventDefault();
    var form = e.target;
    var v = formValues(form);
    var zones = v.zones.split(/[,，、;；\s]+/).filter(Boolean);
    var body = { name: v.name, wechat_id: v.wechat_id, role: v.role, office_id: intOrNull(v.office_id), zones: zones };
    busy(form, true);
    api('POST', PATHS.staff, { body: body }).then(function (s) {
      notify('已添加工作人员：' + s.name, 'ok');
      form.reset();
      return loadReference().then(loadStaff);
    }).catch(showError).then(function () { busy(form, false); });
  }

  // ---- 三新组织 ------------------------------------------------------------------------------
  function loadOrganisations() {
    var tbody = $('org-rows');
    loadingRow(tbody, 9);
    var query = { kind: state.orgs.kind, q: state.orgs.q, limit: PAGE, offset: state.orgs.offset };
    return api('GET', PATHS.organisations, { query: query }).then(function (page) {
      fillRows(tbody, page.items, 9, function (o) {
        return decorate('organisationRow', el('tr', { 'data-organisation-id': o.id },
          el('td', { text: o.name }),
          el('td', { className: 'nowrap', text: label(LABELS.org_kind, o.kind) }),
          el('td', { text: dash(o.industry) }),
          el('td', { className: 'num', text: o.women_count }),
          el('td', null, o.has_branch ? badge('已建', 'on') : badge('未建', 'off')),
          el('td', { text: officeName(o.office_id) }),
          el('td', { text: dash(o.zone) }),
          el('td', { text: staffName(o.liaison_staff_id) })), o);
      });
      renderPager($('org-pager'), state.orgs, page, loadOrganisations);
    }).catch(function (err) { fillRows(tbody, [], 9); showError(err); });
  }

  function saveOrganisation(e) {
    e.preventDefault();
    var form = e.target;
    var v = formValues(form);
    var body = {
      name: v.name, kind: v.kind, industry: v.industry, women_count: parseInt(v.women_count || '0', 10),
      has_branch: v.has_branch, office_id: intOrNull(v.office_id), zone: v.zone,
      liaison_staff_id: intOrNull(v.liaison_staff_id)
    };
    busy(form, true);
    api('POST', PATHS.organisations, { body: body }).then(function (o) {
      notify('已添加组织：' + o.name, 'ok');
      form.reset();
      state.orgs.offset = 0;
      loadOrganisations();
    }).catch(showError).then(function () { busy(form, false); });
  }

  // ---- 提醒 ----------------------------------------------------------------------------------
  function rulesTable(rules) {
    return el('table', { className: 'grid compact' }, el('tbody', null, RULES.map(function (r) {
      var value = r[0] === 'channel' ? label(CHANNEL, rules[r[0]]) : dash(rules[r[0]]);
      var name = typeof r[1] === 'function' ? r[1]() : r[1];
      return el('tr', null, el('th', { text: name }), el('td', { text: value }));
    })));
  }

  function hhmm(t) { return t ? String(t).slice(0, 5) : '—'; }

  function loadFollowup() {
    var rulesBox = clear($('followup-rules'));
    var jobsBox = clear($('followup-jobs'));
    var runs = $('run-rows');
    loadingRow(runs, 5);
    var rules = api('GET', PATHS.rules).then(function (r) {
      rulesBox.appendChild(el('h3', { text: '默认规则' }));
      rulesBox.appendChild(rulesTable(r.defaults));
      rulesBox.appendChild(el('ul', { className: 'plain-list small rule-notes' },
        el('li', { text: '每 ' + r.run_interval_minutes + ' 分钟检查一次' }),
        el('li', { text: '工作时间 ' + hhmm(r.work_start) + '–' + hhmm(r.work_end) + '，免打扰 ' + hhmm(r.quiet_start) + '–' + hhmm(r.quiet_end) }),
        el('li', { text: '每日汇总 ' + hhmm(r.digest_time) + '；月度小结每月 ' + r.monthly_day + ' 日 ' + hhmm(r.monthly_time) }),
        el('li', { text: '上报 ' + r.urgent_from_level + ' 级起按紧急处理（免打扰时段也发）' })));
      r.offices.forEach(function (o) {
        rulesBox.appendChild(el('h3', { text: o.name + '（' + o.code + '）单独设置' }));
        rulesBox.appendChild(rulesTable(o.rules));
      });
    });
    var jobs = api('GET', PATHS.jobs).then(function (j) {
      jobsBox.appendChild(el('p', null, j.running ? badge('运行中', 'on') : badge('未运行', 'off'),
        j.running ? '' : ' 本服务没有启动定时任务，下列为按规则推算的时间。'));
      jobsBox.appendChild(el('table', { className: 'grid compact' },
        el('thead', null, el('tr', null, el('th', { text: '任务' }), el('th', { text: '下次运行（北京时间）' }))),
        el('tbody', null, j.jobs.map(function (job) {
          return el('tr', null, el('td', { text: label(JOB, job.id) }), el('td', { text: fmtTime(job.next_run_time) }));
        }))));
    });
    var last = api('GET', PATHS.runs, { query: { limit: 20 } }).then(function (page) {
      fillRows(runs, page.items, 5, function (run) {
        var counts = Object.keys(run.counts || {}).map(function (k) { return label(COUNT, k) + ' ' + run.counts[k]; }).join('，');
        return el('tr', null,
          el('td', { text: label(JOB, run.job_id) }),
          el('td', { className: 'nowrap', text: fmtTime(run.started_at) }),
          el('td', { className: 'nowrap', text: run.finished_at ? fmtTime(run.finished_at) : '未完成' }),
          el('td', { text: counts || '—' }),
          el('td', { className: run.error ? 'bad' : '', text: dash(run.error) }));
      });
    }).catch(function (err) { fillRows(runs, [], 5); throw err; });
    return Promise.all([rules, jobs, last]).catch(showError);
  }

  // ---- 识别质量 --------------------------------------------------------------------------------
  function rate(value) { return value === null || value === undefined ? '—' : value + ' 条/百条'; }

  function loadQuality() {
    var tbody = $('quality-rows');
    loadingRow(tbody, 11);
    var weeks = $('quality-weeks').value || '12';
    return api('GET', PATHS.quality, { query: { weeks: weeks } }).then(function (rows) {
      // A <meter> draws the bar: no inline style, so the page keeps its strict CSP.
      var top = Math.max.apply(null, [1].concat(rows.map(function (w) { return w.false_alarm_rate || 0; })));
      fillRows(tbody, rows.slice().reverse(), 11, function (w) {
        return el('tr', null,
          el('td', { className: 'nowrap', text: w.week }),
          el('td', { className: 'nowrap', text: w.starts_on }),
          el('td', { text: w.wishes_logged }),
          el('td', { text: w.false_alarms }),
          el('td', { text: w.false_alarms_triaged }),
          el('td', { className: 'nowrap', text: rate(w.false_alarm_rate) }),
          el('td', null, el('meter', {
            min: 0, max: top, value: w.false_alarm_rate || 0,
            title: '误报率 ' + rate(w.false_alarm_rate)
          })),
          el('td', { text: w.misses }),
          el('td', { className: 'nowrap', text: rate(w.miss_rate) }),
          el('td', { text: w.recategorised }),
          el('td', { className: 'nowrap', text: rate(w.recategorised_rate) }));
      });
    }).catch(function (err) { fillRows(tbody, [], 11); showError(err); });
  }

  // ---- tabs, token, start -------------------------------------------------------------------
  // ---- 个人信息: one person's data (download, erase) and the audit log --------------------------
  function personBody(form) {
    var v = formValues(form);
    if (!v.wechat_id && !v.name) { notify('请填写微信号，或代登记时用的姓名', 'error'); return null; }
    return { wechat_id: v.wechat_id || null, name: v.name || null };
  }

  function downloadPerson(e) {
    e.preventDefault();
    var form = $('person-form');
    var body = personBody(form);
    if (!body) return;
    busy(form, true);
    api('POST', PATHS.personExport, { body: body, raw: true }).then(function (response) {
      return response.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = el('a', { href: url, download: '个人信息.json' });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        notify('已下载个人信息（已记入审计日志）', 'ok');
      });
    }).catch(showError).then(function () { busy(form, false); loadAudit(); });
  }

  function erasePerson() {
    var form = $('person-form');
    var body = personBody(form);
    if (!body) return;
    var who = body.wechat_id || body.name;
    if (!window.confirm('确定删除「' + who + '」的全部个人信息吗？删除后无法恢复。')) return;
    body.confirm = true;
    busy(form, true);
    api('POST', PATHS.personErase, { body: body }).then(function (result) {
      var c = result.counts || {};
      notify('已删除：心愿 ' + (c.wishes || 0) + ' 条匿名化，待确认消息 ' + (c.triage_items || 0) +
        ' 条、指令记录 ' + (c.commands || 0) + ' 条、消息 ' + (c.messages || 0) + ' 条', 'ok');
      form.reset();
    }).catch(showError).then(function () { busy(form, false); loadAudit(); });
  }

  function loadAudit() {
    var tbody = $('audit-rows');
    loadingRow(tbody, 5);
    var query = { limit: PAGE, offset: state.auditPage.offset };
    return api('GET', PATHS.audit, { query: query }).then(function (page) {
      fillRows(tbody, page.items, 5, function (a) {
        return el('tr', null,
          el('td', { text: fmtTime(a.at) }),
          el('td', { text: label(LABELS.audit_action, a.action) }),
          el('td', { text: dash(a.actor) }),
          el('td', { text: dash(a.subject) }),
          el('td', { text: String(a.rows) }));
      });
      renderPager($('audit-pager'), state.auditPage, page, loadAudit);
    }).catch(function (err) { clear(tbody); showError(err); });
  }

  var LOADERS = {
    wishes: function () { showList(); return loadWishes(); },
    resources: loadResources,
    groups: loadGroups,
    staff: loadStaff,
    organisations: loadOrganisations,
    followup: loadFollowup,
    quality: loadQuality,
    privacy: loadAudit,
    deadletters: loadDeadLetters
  };

  // ---- reliability: the read-only banner and the dead letters ---------------------------------
  var DEAD_KINDS = { wish: '心愿', triage: '待确认', command: '指令' };

  function checkLedger() {
    // GET /health needs no token; a 503 with ledger_writable false means reads only.
    var banner = $('ledger-banner');
    return fetch(PATHS.health, { headers: { Accept: 'application/json' } }).then(function (response) {
      return response.json().catch(function () { return {}; });
    }).then(function (health) {
      var readOnly = health && health.ledger_writable === false;
      banner.textContent = readOnly
        ? (health.message || '账本暂时只读：可以查看，暂时不能保存修改。')
        : '';
      banner.hidden = !readOnly;
    }, function () {
      banner.textContent = '连不上台账服务，请稍后刷新页面。';
      banner.hidden = false;
    });
  }

  function loadDeadLetters() {
    var tbody = $('dead-rows');
    loadingRow(tbody, 7);
    state.deadPage = state.deadPage || { offset: 0 };
    var query = { limit: PAGE, offset: state.deadPage.offset };
    return api('GET', PATHS.deadLetters, { query: query }).then(function (page) {
      fillRows(tbody, page.items, 7, function (d) {
        var button = el('button', {
          type: 'button', text: d.replayed_at ? '再处理一次' : '重新处理',
          onclick: function () { replayDeadLetter(d.id); }
        });
        return el('tr', null,
          el('td', { text: d.id }),
          el('td', { text: DEAD_KINDS[d.kind] || d.kind }),
          el('td', { text: d.text || '—' }),
          el('td', { className: 'mono', text: d.room_id || '私聊' }),
          el('td', { text: d.attempts }),
          el('td', { className: 'nowrap', text: fmtTime(d.created_at) }),
          el('td', null, d.replayed_at ? '已处理（' + fmtTime(d.replayed_at) + '）' : '', button));
      });
      renderPager($('dead-pager'), state.deadPage, page, loadDeadLetters);
    }).catch(showError);
  }

  function replayDeadLetter(id) {
    return api('POST', PATHS.deadLetterReplay, { path: { id: id } }).then(function (d) {
      notify('已重新处理，回复将由机器人发给成员' + (d.replay_reply ? '：' + d.replay_reply : ''), 'ok');
      return loadDeadLetters();
    }).catch(showError);
  }

  function currentTab() {
    var tab = sessionStorage.getItem(TAB_KEY);
    return LOADERS[tab] ? tab : 'wishes';
  }

  function selectTab(tab, load) {
    sessionStorage.setItem(TAB_KEY, tab);
    document.querySelectorAll('.tabs button').forEach(function (b) {
      var on = b.getAttribute('data-tab') === tab;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    document.querySelectorAll('section.tab').forEach(function (s) { s.hidden = s.id !== 'tab-' + tab; });
    if (load !== false && state.token) LOADERS[tab]();
  }

  function setToken(token) {
    state.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    $('token-input').value = '';
    $('token-state').textContent = token ? '已登录（令牌 …' + token.slice(-4) + '）' : '未登录';
    $('export-btn').disabled = !token;
  }

  // ---- the WeChat account's login state (real gateway) ---------------------------------------
  var WECHAT_LOGIN_EVERY_MS = 30000;
  var wechatLoginTimer = null;

  function renderWechatLogin(login) {
    var box = $('wechat-login');
    box.textContent = '';
    if (!login || !login.configured) { box.hidden = true; return; }
    var kind = 'error';
    var text = '连不上微信网关，请检查网关是否在运行。';
    if (login.state === 'logged_in') {
      kind = 'ok';
      text = '微信号已登录' + (login.user_name ? '：' + login.user_name : '') + '。';
    } else if (login.state === 'waiting_scan') {
      kind = 'info';
      text = '微信号等待扫码登录：请负责的工作人员用机器人的手机微信扫描下面的二维码。';
    } else if (login.state === 'logged_out') {
      text = '微信号已退出登录，机器人暂时收不到群消息。请负责的工作人员重新扫码。';
    } else if (login.state === 'starting') {
      kind = 'info';
      text = '微信网关正在启动……';
    }
    box.className = 'notice ' + kind;
    append(box, el('span', { text: text }));
    if (login.qr_text) append(box, el('pre', { className: 'qr', text: login.qr_text }));
    box.hidden = false;
  }

  function loadWechatLogin() {
    if (wechatLoginTimer) clearTimeout(wechatLoginTimer);
    if (!state.token) { renderWechatLogin(null); return; }
    api('GET', PATHS.gatewayLogin).then(renderWechatLogin, function () { renderWechatLogin(null); })
      .then(function () { wechatLoginTimer = setTimeout(loadWechatLogin, WECHAT_LOGIN_EVERY_MS); });
  }

  function start() {
    checkLedger();
    if (!state.token) {
      selectTab(currentTab(), false);
      notify('请先在右上角输入令牌（用 wishpool token create 创建）', 'info');
      return;
    }
    $('notice').hidden = true;
    loadWechatLogin();
    Promise.all([loadLabels(), loadReference()]).catch(showError).then(function () {
      var wish = state.openWish;
      state.openWish = null;
      if (wish) { selectTab('wishes', false); showWish(wish); } else selectTab(currentTab());
    });
  }

  function readFragment() {
    // #token=…&tab=…&wish=… lets a link (or a headless screenshot) open the page logged in.
    var hash = window.location.hash.replace(/^#/, '');
    if (!hash) return;
    var params = new URLSearchParams(hash);
    if (params.get('token')) setToken(params.get('token'));
    if (params.get('tab') && LOADERS[params.get('tab')]) sessionStorage.setItem(TAB_KEY, params.get('tab'));
    if (/^\d+$/.test(params.get('wish') || '')) {
      state.openWish = parseInt(params.get('wish'), 10);
      sessionStorage.setItem(TAB_KEY, 'wishes');
    }
    // Drop the token from the address bar and history.
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  function fillSelect(select, map, emptyText, selected) {
    if (emptyText !== null) select.appendChild(el('option', { value: '', text: emptyText }));
    Object.keys(map || {}).forEach(function (code) {
      select.appendChild(el('option', { value: code, text: map[code], selected: code === selected }));
    });
  }

  function fillLabelSelects() {
    fillSelect(clear($('f-status')), LABELS.status, '全部');
    fillSelect(clear($('f-category')), LABELS.category, '全部');
    fillSelect(clear($('f-kind')), LABELS.org_kind, '全部');
    fillSelect(clear($('org-kind')), LABELS.org_kind, null);
    fillSelect(clear($('staff-role')), LABELS.role, null, 'staff');
    var cats = clear($('resource-cats'));
    Object.keys(LABELS.category || {}).forEach(function (code) {
      cats.appendChild(el('label', { className: 'check' },
        el('input', { type: 'checkbox', name: 'cat', value: code }), ' ' + LABELS.category[code]));
    });
  }

  function loadLabels() {
    return api('GET', PATHS.labels).then(function (labels) {
      LABELS = labels;
      fillLabelSelects();
    });
  }

  function init() {
    $('token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var token = $('token-input').value.trim();
      if (!token) { notify('请输入令牌', 'error'); return; }
      setToken(token);
      start();
    });
    $('token-clear').addEventListener('click', function () { setToken(''); start(); });
    $('export-btn').addEventListener('click', exportLedger);
    document.querySelectorAll('.tabs button').forEach(function (b) {
      b.addEventListener('click', function () { selectTab(b.getAttribute('data-tab')); });
    });

    $('wish-filters').addEventListener('submit', function (e) {
      e.preventDefault();
      var v = formValues(e.target);
      state.wishes = {
        offset: 0, status: v.status, category: v.category, q: v.q,
        office_id: v.office_id, created_from: v.created_from, created_to: v.created_to
      };
      loadWishes();
    });
    $('wish-back').addEventListener('click', function () { showList(); loadWishes(); });
    $('quality-filters').addEventListener('submit', function (e) { e.preventDefault(); loadQuality(); });
    $('quality-weeks').addEventListener('change', function () { if (state.token) loadQuality(); });
    $('resource-filters').addEventListener('submit', function (e) {
      e.preventDefault();
      state.resources = { offset: 0, q: formValues(e.target).q };
      loadResources();
    });
    $('org-filters').addEventListener('submit', function (e) {
      e.preventDefault();
      var v = formValues(e.target);
      state.orgs = { offset: 0, kind: v.kind, q: v.q };
      loadOrganisations();
    });
    $('resource-form').addEventListener('submit', saveResource);
    $('staff-form').addEventListener('submit', saveStaff);
    $('org-form').addEventListener('submit', saveOrganisation);
    $('person-form').addEventListener('submit', downloadPerson);
    $('person-erase').addEventListener('click', erasePerson);

    setToken(sessionStorage.getItem(TOKEN_KEY) || '');
    readFragment();
    start();
  }

  // ---- extensions: edit.js and dashboard.js add to the page through these ---------------------
  // decorate(name, node, data): every hook registered under name may add to a row or a box.
  var HOOKS = {};

  function decorate(name, node, data) {
    (HOOKS[name] || []).forEach(function (hook) { hook(node, data); });
    return node;
  }

  window.WishpoolAdmin = {
    hook: function (name, fn) { (HOOKS[name] = HOOKS[name] || []).push(fn); },
    addTab: function (name, loader) { LOADERS[name] = loader; },
    labels: function () { return LABELS; },
    state: state,
    api: api, loadAll: loadAll, loadReference: loadReference,
    el: el, clear: clear, label: label, dash: dash, badge: badge, fillSelect: fillSelect,
    formValues: formValues, intOrNull: intOrNull, busy: busy,
    notify: notify, showError: showError, officeName: officeName, staffName: staffName,
    showWish: showWish, loadWishes: loadWishes, loadResources: loadResources,
    loadStaff: loadStaff, loadOrganisations: loadOrganisations
  };

  document.addEventListener('DOMContentLoaded', init);
})();
