/* 心愿池管理台: the 导入名册 tab (administrators only). An office's own spreadsheet (.xlsx or .csv
 * in UTF-8, UTF-8 with BOM or GBK) of resources, 三新 organisations or staff is first previewed
 * (POST /api/v1/imports/{kind}?dry_run=true: what each row would do and why), then imported for
 * real in one transaction; a file with a refused row imports nothing. Built on admin.js
 * (window.WishpoolAdmin); labels (import_kind, import_action) from GET /api/v1/labels.
 */
'use strict';

(function () {
  var A = window.WishpoolAdmin;
  if (!A) return;
  var el = A.el;
  var PATH = '/api/v1/imports/';
  var preview = null; // the file previewed last, so 确认导入 sends exactly that file

  function $(id) { return document.getElementById(id); }

  // A multipart upload: admin.js's api() sends JSON only.
  function upload(kind, officeId, file, dryRun) {
    var data = new FormData();
    data.append('file', file, file.name);
    var query = '?dry_run=' + (dryRun ? 'true' : 'false') + (officeId ? '&office_id=' + officeId : '');
    return fetch(PATH + encodeURIComponent(kind) + query, {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + A.state.token, Accept: 'application/json' },
      body: data,
      cache: 'no-store'
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok) return body;
        var error = (body && body.error) || {};
        // A refused file answers 422 with the per-row report: show it, like a preview.
        if (error.details && error.details.rows) return error.details;
        throw { message: error.message || '请求失败（' + response.status + '）' };
      });
    }, function () {
      throw { message: '无法连接服务器，请检查网络后重试' };
    });
  }

  function showReport(report) {
    var L = A.labels();
    var summary = Object.keys(report.counts || {}).filter(function (k) { return report.counts[k]; })
      .map(function (k) { return A.label(L.import_action, k) + ' ' + report.counts[k]; }).join('，');
    var head = report.applied ? '已导入：' : '预览（尚未写入）：';
    $('import-summary').textContent = head + (summary || '没有数据行') +
      (report.ignored_columns && report.ignored_columns.length
        ? '。未使用的列（不保存）：' + report.ignored_columns.join('、') : '');
    var tbody = A.clear($('import-rows'));
    (report.rows || []).forEach(function (row) {
      tbody.appendChild(el('tr', { className: row.action === 'refuse' ? 'refused' : '' },
        el('td', { text: String(row.row) }),
        el('td', { text: A.label(L.import_action, row.action) }),
        el('td', { text: row.key }),
        el('td', { text: (row.reasons || []).join('；') || (row.changes || []).join('、') })));
    });
    var refused = (report.counts || {}).refuse || 0;
    $('import-apply').disabled = report.applied || refused > 0 || !preview;
    $('import-apply').title = refused ? '有被拒绝的行：请改好文件后重新预览' : '';
  }

  function run(dryRun) {
    var form = $('import-form');
    var v = A.formValues(form);
    var file = dryRun ? form.elements.file.files[0] : preview && preview.file;
    if (!file) { A.showError({ message: '请先选择要导入的文件' }); return; }
    A.busy(form, true);
    upload(v.kind, A.intOrNull(v.office_id), file, dryRun).then(function (report) {
      preview = dryRun ? { file: file } : null;
      showReport(report);
      if (!dryRun && report.applied) {
        A.notify('已导入 ' + A.label(A.labels().import_kind, v.kind) + '：' + file.name, 'ok');
      }
    }).catch(A.showError).then(function () {
      A.busy(form, false);
      $('import-apply').disabled = !preview || $('import-apply').title !== '';
    });
  }

  function loadImports() {
    var kind = $('import-kind');
    if (!kind.options.length) A.fillSelect(kind, A.labels().import_kind, null, 'resources');
    var office = A.clear($('import-office'));
    office.appendChild(el('option', { value: '', text: '（按文件里的「所属妇联」）' }));
    (A.state.officeList || []).forEach(function (o) {
      office.appendChild(el('option', { value: String(o.id), text: o.name }));
    });
    return Promise.resolve();
  }

  A.addTab('imports', loadImports);
  document.addEventListener('DOMContentLoaded', function () {
    $('import-form').addEventListener('submit', function (e) { e.preventDefault(); run(true); });
    $('import-apply').addEventListener('click', function () { run(false); });
    // A new file needs a new preview before it can be imported.
    $('import-form').elements.file.addEventListener('change', function () {
      preview = null;
      $('import-apply').disabled = true;
    });
  });
})();
