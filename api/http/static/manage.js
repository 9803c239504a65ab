/* 心愿池管理台: the 妇联与令牌 tab (administrators only): offices (list, add, rename, move,
 * on-duty staff) and API tokens (list, create, rotate, revoke). A token's clear text is shown
 * once, as the API returns it, and never kept by the page. Built on admin.js
 * (window.WishpoolAdmin); labels from GET /api/v1/labels.
 */
'use strict';

(function () {
  var A = window.WishpoolAdmin;
  if (!A) return;
  var el = A.el;

  var PATHS = {
    offices: '/api/v1/offices',
    office: '/api/v1/offices/{id}',
    tokens: '/api/v1/tokens',
    tokenRotate: '/api/v1/tokens/{id}/rotate',
    tokenRevoke: '/api/v1/tokens/{id}/revoke'
  };

  function $(id) { return document.getElementById(id); }

  function button(text, onclick, kind) {
    return el('button', { type: 'button', className: kind || 'plain', text: text, onclick: onclick });
  }

  function rows(tbody, items, columns, makeRow) {
    A.clear(tbody);
    if (!items.length) {
      tbody.appendChild(el('tr', { className: 'empty' }, el('td', { colspan: columns, text: '暂无数据' })));
      return;
    }
    items.forEach(function (item) { tbody.appendChild(makeRow(item)); });
  }

  // ---- 妇联 ---------------------------------------------------------------------------------
  function officeOptions(select, emptyText, selected, skipId) {
    A.clear(select);
    select.appendChild(el('option', { value: '', text: emptyText }));
    A.state.officeList.forEach(function (o) {
      if (o.id !== skipId) select.appendChild(el('option', { value: o.id, text: o.name, selected: o.id === selected }));
    });
  }

  function editOffice(row, office) {
    var form = el('form', { className: 'form inline-edit' });
    var name = el('input', { name: 'name', required: true, maxlength: '100', value: office.name });
    var parent = el('select', { name: 'parent_id' });
    officeOptions(parent, '（无，最上级）', office.parent_id, office.id);
    var duty = el('select', { name: 'on_duty_staff_id' }, el('option', { value: '', text: '（未指定）' }));
    A.state.staffList.forEach(function (s) {
      if (s.active) duty.appendChild(el('option', { value: s.id, text: s.name, selected: s.id === office.on_duty_staff_id }));
    });
    form.appendChild(el('label', null, '名称 ', name));
    form.appendChild(el('label', null, '上级妇联 ', parent));
    form.appendChild(el('label', null, '值班人员 ', duty));
    form.appendChild(el('div', { className: 'actions' },
      el('button', { type: 'submit', className: 'primary', text: '保存修改' }),
      button('取消', function () { loadManage(); })));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var body = {};
      if (name.value.trim() !== office.name) body.name = name.value.trim();
      if (A.intOrNull(parent.value) !== office.parent_id) body.parent_id = A.intOrNull(parent.value);
      if (A.intOrNull(duty.value) !== office.on_duty_staff_id) body.on_duty_staff_id = A.intOrNull(duty.value);
      if (!Object.keys(body).length) { loadManage(); return; }
      A.busy(form, true);
      A.api('PATCH', PATHS.office, { path: { id: office.id }, body: body }).then(function (o) {
        A.notify('已修改妇联：' + o.name, 'ok');
        return A.loadReference().then(loadManage);
      }).catch(function (err) { A.busy(form, false); A.showError(err); });
    });
    A.clear(row).appendChild(el('td', { colspan: 6 }, form));
  }

  function loadOffices() {
    var tbody = $('office-rows');
    var levels = A.labels().office_level;
    rows(tbody, A.state.officeList, 6, function (o) {
      var row = el('tr', { 'data-office-id': o.id },
        el('td', { text: o.name }),
        el('td', { className: 'mono', text: o.code }),
        el('td', { text: A.label(levels, o.level) }),
        el('td', { text: o.parent_id === null ? '—' : A.officeName(o.parent_id) }),
        el('td', { text: A.staffName(o.on_duty_staff_id) }));
      row.appendChild(el('td', null, button('修改', function () { editOffice(row, o); })));
      return row;
    });
  }

  function saveOffice(e) {
    e.preventDefault();
    var form = e.target;
    var v = A.formValues(form);
    var body = { name: v.name, code: v.code, level: v.level, parent_id: A.intOrNull(v.parent_id) };
    A.busy(form, true);
    A.api('POST', PATHS.offices, { body: body }).then(function (o) {
      A.notify('已新增妇联：' + o.name, 'ok');
      form.reset();
      return A.loadReference().then(loadManage);
    }).catch(A.showError).then(function () { A.busy(form, false); });
  }

  // ---- 访问令牌 ------------------------------------------------------------------------------
  function showClear(created) {
    $('token-clear-text').textContent = created.clear;
    $('token-clear-box').hidden = false;
  }

  function loadTokens() {
    var tbody = $('api-token-rows');
    var roles = A.labels().token_role;
    return A.api('GET', PATHS.tokens).then(function (tokens) {
      rows(tbody, tokens, 6, function (t) {
        return el('tr', { 'data-token-id': t.id },
          el('td', { text: t.name }),
          el('td', { text: A.label(roles, t.role) }),
          el('td', { text: t.office_id === null ? '全部' : A.officeName(t.office_id) }),
          el('td', { className: 'nowrap', text: A.dash(t.created_at && t.created_at.slice(0, 10)) }),
          el('td', { className: 'nowrap', text: t.expires_at ? t.expires_at.slice(0, 10) : '长期有效' }),
          el('td', { className: 'nowrap row-actions' },
            button('轮换', function (e) {
              if (!window.confirm('轮换「' + t.name + '」的令牌？旧令牌会立即停用。')) return;
              e.target.disabled = true;
              A.api('POST', PATHS.tokenRotate, { path: { id: t.id }, body: {} }).then(function (created) {
                showClear(created);
                A.notify('已轮换令牌：' + t.name, 'ok');
                return loadTokens();
              }).catch(function (err) { e.target.disabled = false; A.showError(err); });
            }),
            button('停用', function (e) {
              if (!window.confirm('停用「' + t.name + '」的令牌？停用后无法恢复。')) return;
              e.target.disabled = true;
              A.api('POST', PATHS.tokenRevoke, { path: { id: t.id } }).then(function () {
                A.notify('已停用令牌：' + t.name, 'ok');
                return loadTokens();
              }).catch(function (err) { e.target.disabled = false; A.showError(err); });
            }, 'danger')));
      });
    });
  }

  function saveToken(e) {
    e.preventDefault();
    var form = e.target;
    var v = A.formValues(form);
    var body = {
      name: v.name, role: v.role, office_id: A.intOrNull(v.office_id),
      expires_in_days: A.intOrNull(v.expires_in_days)
    };
    // A staff token linked to her record: the wishes assigned to her are shown to her in full.
    if (v.role === 'staff' && A.intOrNull(v.staff_id) !== null) body.staff_id = A.intOrNull(v.staff_id);
    A.busy(form, true);
    A.api('POST', PATHS.tokens, { body: body }).then(function (created) {
      showClear(created);
      A.notify('已创建令牌：' + created.token.name, 'ok');
      form.reset();
      return loadTokens();
    }).catch(A.showError).then(function () { A.busy(form, false); });
  }

  // A token given to a staff member carries her name and office (what she does on the page is
  // recorded under her name) and, for a staff token, her record (staff_id: her assigned wishes
  // are shown to her in full).
  function fillFromStaff() {
    var form = $('api-token-form');
    var person = A.state.staff[A.intOrNull(this.value)];
    if (!person) return;
    form.elements.name.value = person.name + '（' + A.officeName(person.office_id) + '）';
    form.elements.office_id.value = String(person.office_id);
    form.elements.role.value = person.role === 'admin' ? 'admin' : 'staff';
  }

  function loadManage() {
    var L = A.labels();
    var level = $('office-level');
    if (!level.options.length) A.fillSelect(level, L.office_level, null);
    var role = $('api-token-role');
    if (!role.options.length) A.fillSelect(role, L.token_role, null, 'staff');
    loadOffices();
    return loadTokens().catch(A.showError);
  }

  A.addTab('manage', loadManage);
  document.addEventListener('DOMContentLoaded', function () {
    $('office-form').addEventListener('submit', saveOffice);
    $('api-token-form').addEventListener('submit', saveToken);
    $('api-token-staff').addEventListener('change', fillFromStaff);
  });
})();
