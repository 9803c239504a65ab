/* 节假日: the holidays and adjusted working days (调休) the follow-up counts, kept by the admin.
 * Standalone beside admin.js: it reads the same session token, draws into #calendar-panel
 * (in the 提醒 tab) and shows a banner from December while next year's 调休 is missing.
 * Text only (textContent), no inline script: the page's Content-Security-Policy holds. */
(function () {
  'use strict';

  var TOKEN_KEY = 'wishpool.adminToken';
  var KIND = { holiday: '放假', workday: '调休上班' };
  var SOURCE = {
    admin: '管理员录入', chinesecalendar: 'chinesecalendar', holidays: '法定节日',
    config: '配置文件（只读）'
  };
  var WEEK = '日一二三四五六';
  var shown = { year: null };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === 'text') node.textContent = String(value);
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function call(method, url, body) {
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return Promise.reject(new Error('请先在右上角输入令牌'));
    var init = { method: method, cache: 'no-store',
      headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) return data;
        var message = data && data.error && data.error.message;
        throw new Error(message || '请求失败（' + response.status + '）');
      });
    });
  }

  function say(text, ok) {
    var line = $('calendar-message');
    if (!line) return;
    line.textContent = text;
    line.className = ok ? 'muted' : 'error';
  }

  function banner() {
    call('GET', '/api/v1/calendar/status').then(function (status) {
      var old = $('calendar-banner');
      if (old) old.parentNode.removeChild(old);
      if (!status.warn) return;
      var box = el('div', { id: 'calendar-banner', 'class': 'notice info', role: 'status',
        text: status.next_year + ' 年的放假和调休上班安排还没有录入：请在「提醒」页的「节假日」里录入，' +
          '否则提醒、简报和圆梦榜会按星期一到五算工作日。' });
      var anchor = $('wechat-login');
      anchor.parentNode.insertBefore(box, anchor.nextSibling);
    }, function () { /* no token yet, or a staff token: nothing to show */ });
  }

  function weekday(iso) {
    var d = new Date(iso + 'T00:00:00Z');
    return '星期' + WEEK.charAt(d.getUTCDay());
  }

  function render(year) {
    var panel = $('calendar-panel');
    var body = $('calendar-rows');
    var state = $('calendar-state');
    while (body.firstChild) body.removeChild(body.firstChild);
    state.textContent = (year.kept ? '管理员维护' : '尚未维护，显示的是软件包里的日子') + '；' +
      (year.complete ? '调休上班日已有' : '还没有调休上班日');
    year.days.forEach(function (day) {
      var remove = day.source === 'config' ? null : el('button', {
        type: 'button', 'class': 'plain', text: '删除',
        onclick: function () { save('DELETE', '/api/v1/calendar/' + day.day); }
      });
      body.appendChild(el('tr', {}, [
        el('td', { text: day.day }), el('td', { text: weekday(day.day) }),
        el('td', { text: KIND[day.kind] || day.kind }), el('td', { text: day.name || '—' }),
        el('td', { text: SOURCE[day.source] || day.source }), el('td', {}, [remove])
      ]));
    });
    panel.hidden = false;
  }

  function load(year) {
    shown.year = year || shown.year || new Date().getFullYear();
    $('calendar-year').value = String(shown.year);
    return call('GET', '/api/v1/calendar?year=' + shown.year).then(render, function (err) {
      say(err.message, false);
    });
  }

  function save(method, url, body) {
    return call(method, url, body).then(function () {
      say('已保存', true);
      banner();
      return load();
    }, function (err) { say(err.message, false); });
  }

  function build() {
    var host = $('calendar-panel');
    if (!host || host.firstChild) return;
    var yearInput = el('input', { id: 'calendar-year', type: 'number', min: '2000', max: '2099' });
    var dayInput = el('input', { id: 'calendar-day', type: 'date', required: true });
    var kind = el('select', { id: 'calendar-kind' }, [
      el('option', { value: 'holiday', text: '放假' }),
      el('option', { value: 'workday', text: '调休上班（周末上班）' })
    ]);
    var name = el('input', { id: 'calendar-name', maxlength: '20', placeholder: '如：春节（可不填）' });
    var form = el('form', { 'class': 'inline', onsubmit: function (event) {
      event.preventDefault();
      if (!dayInput.value) return;
      save('PUT', '/api/v1/calendar/' + dayInput.value, { kind: kind.value, name: name.value });
    } }, [dayInput, kind, name, el('button', { type: 'submit', 'class': 'primary', text: '保存这一天' })]);
    [
      el('h2', { text: '节假日' }),
      el('p', { 'class': 'muted', text: '提醒、每日简报和圆梦榜只在工作日发出。每年国务院办公厅公布放假安排后，' +
        '请在这里录入放假的日子和调休上班的周末。' }),
      el('div', { 'class': 'inline' }, [
        el('label', { 'for': 'calendar-year', text: '年份' }), yearInput,
        el('button', { type: 'button', text: '查看', onclick: function () {
          load(parseInt(yearInput.value, 10));
        } })
      ]),
      el('p', { id: 'calendar-state', 'class': 'muted' }),
      form,
      el('p', { id: 'calendar-message', 'class': 'muted' }),
      el('table', { 'class': 'grid' }, [
        el('thead', {}, [el('tr', {}, ['日期', '星期', '类型', '名称', '来源', ''].map(function (t) {
          return el('th', { text: t });
        }))]),
        el('tbody', { id: 'calendar-rows' })
      ])
    ].forEach(function (node) { host.appendChild(node); });
  }

  function open() {
    build();
    load();
  }

  document.addEventListener('DOMContentLoaded', function () {
    var tab = document.querySelector('.tabs button[data-tab="followup"]');
    if (tab) tab.addEventListener('click', open);
    var section = $('tab-followup');
    if (section && !section.hidden) open();
    banner();
    var tokenForm = $('token-form');
    if (tokenForm) tokenForm.addEventListener('submit', function () { setTimeout(banner, 0); });
  });
}());
