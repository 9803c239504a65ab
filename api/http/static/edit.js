/* 心愿池管理台: editing on the page (心愿, 资源, 三新组织, 工作人员) and 手工登记心愿.
 *
 * Built on admin.js (window.WishpoolAdmin): its api(), its DOM helpers (text only, never
 * HTML) and its row hooks. One dialog edits any record: fields are described once per kind
 * and only the fields the user changed are sent (PATCH). A wish is sent with the version the
 * user saw; when someone else changed it meanwhile the API answers 409 and its Chinese
 * message is shown, the dialog stays open and the wish on the page is refreshed.
 * Codes are shown through GET /api/v1/labels (models/enums.py), never written here.
 */
'use strict';

(function () {
  var A = window.WishpoolAdmin;
  if (!A) return;
  var el = A.el;

  var PATHS = {
    wishes: '/api/v1/wishes',
    wish: '/api/v1/wishes/{id}',
    resource: '/api/v1/resources/{id}',
    organisations: '/api/v1/organisations',
    organisation: '/api/v1/organisations/{id}',
    staffMember: '/api/v1/staff/{id}'
  };

  // ---- option lists -------------------------------------------------------------------------
  function codeOptions(map) {
    return Object.keys(map || {}).map(function (code) { return [code, map[code]]; });
  }

  function officeOptions(emptyText) {
    var options = emptyText === null ? [] : [['', emptyText]];
    return options.concat(A.state.officeList.map(function (o) { return [String(o.id), o.name]; }));
  }

  function staffOptions(emptyText, keepId) {
    var options = [['', emptyText]];
    A.state.staffList.forEach(function (s) {
      if (s.active || s.id === keepId) options.push([String(s.id), s.name + '（' + A.officeName(s.office_id) + '）']);
    });
    return options;
  }

  function organisationOptions(officeId) {
    // The wish's own office and below (include_sub), as the API scopes them.
    var query = { limit: 200 };
    if (officeId) query.office_id = officeId;
    return A.api('GET', PATHS.organisations, { query: query }).then(function (page) {
      return [['', '（不关联组织）']].concat(page.items.map(function (o) { return [String(o.id), o.name]; }));
    });
  }

  // ---- one dialog for every kind of record -------------------------------------------------
  /* field: {name, text, type: text|textarea|number|date|select|checkbox|checks|list,
   *         options: [[value, text]], max, wide} */
  function input(field, value) {
    var attrs = { name: field.name };
    if (field.max) attrs.maxlength = field.max;
    if (field.required) attrs.required = true;
    if (field.type === 'textarea') {
      var area = el('textarea', Object.assign(attrs, { rows: '3' }));
      area.value = value === null || value === undefined ? '' : String(value);
      return area;
    }
    if (field.type === 'select') {
      var select = el('select', attrs);
      field.options.forEach(function (o) {
        select.appendChild(el('option', { value: o[0], text: o[1] }));
      });
      select.value = value === null || value === undefined ? '' : String(value);
      return select;
    }
    if (field.type === 'checkbox') {
      return el('input', Object.assign(attrs, { type: 'checkbox', checked: !!value }));
    }
    if (field.type === 'checks') {
      var box = el('div', { className: 'checks', 'data-name': field.name });
      field.options.forEach(function (o) {
        box.appendChild(el('label', { className: 'check' },
          el('input', { type: 'checkbox', value: o[0], checked: (value || []).indexOf(o[0]) >= 0 }), ' ' + o[1]));
      });
      return box;
    }
    var type = field.type === 'list' ? 'text' : (field.type || 'text');
    attrs.type = type;
    if (type === 'number') attrs.min = '0';
    var node = el('input', attrs);
    node.value = value === null || value === undefined ? '' : (field.type === 'list' ? value.join('，') : String(value));
    return node;
  }

  function read(form, field) {
    if (field.type === 'checks') {
      return Array.prototype.map.call(
        form.querySelectorAll('[data-name="' + field.name + '"] input:checked'), function (c) { return c.value; });
    }
    var node = form.elements[field.name];
    if (field.type === 'checkbox') return node.checked;
    var text = node.value.trim();
    if (field.type === 'list') return text.split(/[,，、;；\s]+/).filter(Boolean);
    if (field.type === 'number' || field.id) return text === '' ? null : parseInt(text, 10);
    if (field.type === 'date') return text === '' ? null : text;
    return text;
  }

  function same(a, b) { return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b); }

  var dialog = null;

  function editorDialog() {
    if (!dialog) {
      dialog = el('dialog', { id: 'edit-dialog', className: 'edit-dialog' });
      document.body.appendChild(dialog);
    }
    return A.clear(dialog);
  }

  /* openEditor({title, fields, record, save(changes) -> Promise}) */
  function openEditor(spec) {
    var box = editorDialog();
    var form = el('form', { className: 'form', autocomplete: 'off' });
    form.appendChild(el('h4', { text: spec.title }));
    spec.fields.forEach(function (field) {
      var node = input(field, spec.record[field.name]);
      var className = (field.type === 'checkbox' ? 'check' : '') + (field.wide || field.type === 'checks' || field.type === 'textarea' ? ' wide' : '');
      form.appendChild(field.type === 'checkbox'
        ? el('label', { className: className }, node, ' ' + field.text)
        : el('label', { className: className.trim() || null }, field.text + ' ', node));
    });
    var problem = el('p', { className: 'bad wide', role: 'alert', hidden: true });
    form.appendChild(problem);
    form.appendChild(el('div', { className: 'actions' },
      el('button', { type: 'submit', className: 'primary', text: '保存修改' }),
      el('button', { type: 'button', className: 'plain', text: '取消', onclick: function () { box.close(); } })));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var changes = {};
      spec.fields.forEach(function (field) {
        var value = read(form, field);
        if (!same(value, spec.record[field.name])) changes[field.name] = value;
      });
      if (!Object.keys(changes).length) { box.close(); A.notify('没有修改', 'info'); return; }
      A.busy(form, true);
      problem.hidden = true;
      spec.save(changes).then(function () {
        box.close();
      }, function (err) {
        problem.textContent = err && err.message ? err.message : '保存失败，请稍后再试';
        problem.hidden = false;
        A.showError(err);
        if (spec.failed) spec.failed(err);
      }).then(function () { A.busy(form, false); });
    });
    box.appendChild(form);
    box.showModal();
    var first = form.querySelector('input, select, textarea');
    if (first) first.focus();
  }

  function actionCell(buttons) {
    return el('td', { className: 'nowrap row-actions' }, buttons);
  }

  function smallButton(text, onclick, kind) {
    return el('button', { type: 'button', className: kind || 'plain', text: text, onclick: onclick });
  }

  // ---- 心愿: edit (category, kind, organisation, planned date, text) -------------------------
  function wishFields(organisations) {
    var L = A.labels();
    return [
      { name: 'text', text: '内容', type: 'textarea', max: 2000, required: true },
      { name: 'category', text: '类别', type: 'select', options: codeOptions(L.category) },
      { name: 'kind', text: '类型', type: 'select', options: codeOptions(L.kind) },
      { name: 'organisation_id', text: '三新组织', type: 'select', options: organisations, id: true },
      { name: 'planned_date', text: '计划日期', type: 'date' }
    ];
  }

  function editWish(detail) {
    var w = detail.wish;
    organisationOptions(w.office_id).then(function (organisations) {
      openEditor({
        title: '修改心愿：' + w.number,
        fields: wishFields(organisations),
        record: w,
        save: function (changes) {
          changes.version = w.version;  // 409 if someone changed it since it was opened
          return A.api('PATCH', PATHS.wish, { path: { id: w.id }, body: changes }).then(function (saved) {
            A.notify('已修改：' + saved.number, 'ok');
            A.showWish(saved.id);
          });
        },
        failed: function (err) { if (err.status === 409) A.showWish(w.id); }
      });
    }).catch(A.showError);
  }

  A.hook('wishActions', function (actions, detail) {
    actions.appendChild(smallButton('修改心愿', function () { editWish(detail); }));
  });

  // ---- 心愿: logged by hand (手工登记) -------------------------------------------------------
  function setUpWishCreate() {
    var form = document.getElementById('wish-create-form');
    if (!form) return;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var v = A.formValues(form);
      var body = {
        text: v.text, category: v.category, kind: v.kind, office_id: A.intOrNull(v.office_id),
        planned_date: v.planned_date || null, submitter_name: v.submitter_name || null
      };
      A.busy(form, true);
      A.api('POST', PATHS.wishes, { body: body }).then(function (w) {
        A.notify('已登记心愿：' + w.number, 'ok');
        form.reset();
        form.closest('details').open = false;
        A.loadWishes();
      }).catch(A.showError).then(function () { A.busy(form, false); });
    });
    document.querySelector('#wish-create summary').addEventListener('click', function () {
      var L = A.labels();
      A.fillSelect(A.clear(form.elements.category), L.category, null, 'other');
      A.fillSelect(A.clear(form.elements.kind), L.kind, null, 'need');
    });
  }

  // ---- 资源: edit, deactivate / reactivate ---------------------------------------------------
  function resourceFields() {
    return [
      { name: 'name', text: '资源名称', max: 200, required: true },
      { name: 'provider', text: '提供方', max: 200, required: true },
      { name: 'categories', text: '适合的心愿类别', type: 'checks', options: codeOptions(A.labels().category) },
      { name: 'office_id', text: '服务范围', type: 'select', options: officeOptions('全市通用'), id: true },
      { name: 'capacity', text: '数量或名额', type: 'number' },
      { name: 'contact_person', text: '联系人', max: 50 },
      { name: 'contact_phone', text: '联系电话', max: 30 },
      { name: 'availability', text: '可用时间', max: 200 },
      { name: 'description', text: '说明', type: 'textarea', max: 2000 }
    ];
  }

  function patchResource(resource, changes, done) {
    return A.api('PATCH', PATHS.resource, { path: { id: resource.id }, body: changes }).then(function (r) {
      A.notify(done + '：资源' + r.id + ' ' + r.name, 'ok');
      A.loadResources();
    });
  }

  A.hook('resourceRow', function (row, r) {
    row.appendChild(actionCell([
      smallButton('修改', function () {
        openEditor({
          title: '修改资源' + r.id, fields: resourceFields(), record: r,
          save: function (changes) { return patchResource(r, changes, '已修改'); }
        });
      }),
      smallButton(r.active ? '停用' : '启用', function (e) {
        e.target.disabled = true;
        patchResource(r, { active: !r.active }, r.active ? '已停用' : '已启用')
          .catch(function (err) { e.target.disabled = false; A.showError(err); });
      }, r.active ? 'danger' : 'primary')
    ]));
  });

  // ---- 三新组织: edit (has_branch, women employed, liaison …) -------------------------------
  A.hook('organisationRow', function (row, o) {
    row.appendChild(actionCell(smallButton('修改', function () {
      openEditor({
        title: '修改组织：' + o.name,
        record: o,
        fields: [
          { name: 'name', text: '名称', max: 200, required: true },
          { name: 'kind', text: '类型', type: 'select', options: codeOptions(A.labels().org_kind) },
          { name: 'industry', text: '行业', max: 100 },
          { name: 'women_count', text: '女性人数', type: 'number' },
          { name: 'office_id', text: '所属妇联', type: 'select', options: officeOptions(null), id: true },
          { name: 'zone', text: '片区', max: 100 },
          { name: 'liaison_staff_id', text: '分片联系人', type: 'select', options: staffOptions('（暂无）', o.liaison_staff_id), id: true },
          { name: 'has_branch', text: '已建妇联组织', type: 'checkbox' }
        ],
        save: function (changes) {
          return A.api('PATCH', PATHS.organisation, { path: { id: o.id }, body: changes }).then(function (saved) {
            A.notify('已修改组织：' + saved.name, 'ok');
            A.loadOrganisations();
          });
        }
      });
    })));
  });

  // ---- 工作人员: edit, deactivate / reactivate ------------------------------------------------
  function patchStaff(person, changes, done) {
    return A.api('PATCH', PATHS.staffMember, { path: { id: person.id }, body: changes }).then(function (s) {
      A.notify(done + '：' + s.name, 'ok');
      return A.loadReference().then(A.loadStaff);
    });
  }

  A.hook('staffRow', function (row, s) {
    row.appendChild(actionCell([
      smallButton('修改', function () {
        openEditor({
          title: '修改工作人员：' + s.name,
          record: s,
          fields: [
            { name: 'name', text: '姓名', max: 50, required: true },
            { name: 'role', text: '角色', type: 'select', options: codeOptions(A.labels().role) },
            { name: 'office_id', text: '所属妇联', type: 'select', options: officeOptions(null), id: true },
            { name: 'zones', text: '联系片区（多个用逗号分开）', type: 'list', wide: true }
          ],
          save: function (changes) { return patchStaff(s, changes, '已修改'); }
        });
      }),
      smallButton(s.active ? '停用' : '启用', function (e) {
        e.target.disabled = true;
        patchStaff(s, { active: !s.active }, s.active ? '已停用' : '已启用')
          .catch(function (err) { e.target.disabled = false; A.showError(err); });
      }, s.active ? 'danger' : 'primary')
    ]));
  });

  document.addEventListener('DOMContentLoaded', setUpWishCreate);
})();
