/**
 * The playground's browser script, served as `/app.js` (kept as a string so tsc ships it in dist/ without a build
 * step). Vanilla JS: fetches `/api/state`, re-renders on every `/api/events` tick, and renders Block Kit with
 * `createElement` + `textContent` only, so text from the cluster can never become markup.
 *
 * The source sits in a String.raw template: it must contain no backtick and no dollar-brace (use \x60 for a backtick).
 */
export const CLIENT_JS = String.raw`(function () {
'use strict';

// ---------------------------------------------------------------------------------------------------------------
// State

var S = {
  state: null,
  user: null,
  channel: null,
  thread: null, // { channel, ts }
  seenParents: null, // Set of 'channel:ts' of bot top-level messages
  lastSeen: {}, // channel -> newest ts seen while it was open
  followNext: false,
  loading: false,
  reload: false,
  modalKey: null,
  initialized: false,
};

var $ = function (id) { return document.getElementById(id); };

function h(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function isRec(v) { return typeof v === 'object' && v !== null && !Array.isArray(v); }
function str(v) { return typeof v === 'string' ? v : ''; }
function tsNum(ts) { return Number(ts) || 0; }
function byTs(a, b) { return tsNum(a.ts) - tsNum(b.ts); }

// ---------------------------------------------------------------------------------------------------------------
// Network

function api(path, body) {
  var init = body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(Object.assign({ user: S.user }, body)),
  };
  return fetch(path, init).then(function (res) {
    return res.json().catch(function () { return { ok: false, error: 'HTTP ' + res.status }; }).then(function (data) {
      if (!res.ok && data && data.ok !== false) data = { ok: false, error: 'HTTP ' + res.status };
      return data;
    });
  });
}

function act(path, body, what) {
  return api(path, body).then(function (r) {
    if (!r || r.ok === false) toast(what + ' failed: ' + ((r && r.error) || 'unknown error'), true);
    load();
    return r;
  }, function (err) {
    toast(what + ' failed: ' + String(err), true);
    return { ok: false };
  });
}

function load() {
  if (S.loading) { S.reload = true; return; }
  S.loading = true;
  var q = S.user ? '?user=' + encodeURIComponent(S.user) : '';
  fetch('/api/state' + q).then(function (r) { return r.json(); }).then(function (state) {
    if (state && state.ok === false) throw new Error(state.error);
    S.state = state;
    render();
  }).catch(function (err) {
    setConnection(false, 'playground unreachable');
    console.warn('playground: state not loaded', err);
  }).then(function () {
    S.loading = false;
    if (S.reload) { S.reload = false; load(); }
  });
}

function toast(text, error) {
  var t = h('div', 'toast' + (error ? ' error' : ''), text);
  t.setAttribute('role', error ? 'alert' : 'status');
  $('toasts').appendChild(t);
  setTimeout(function () { t.remove(); }, error ? 8000 : 4000);
}

// ---------------------------------------------------------------------------------------------------------------
// Names, times, emoji

var EMOJI = {
  white_check_mark: '✅', heavy_check_mark: '✔️', warning: '⚠️', x: '❌', mag: '🔍', rotating_light: '🚨',
  fire: '🔥', tada: '🎉', hourglass: '⏳', hourglass_flowing_sand: '⏳', lock: '🔒', eyes: '👀', thumbsup: '👍',
  '+1': '👍', thumbsdown: '👎', '-1': '👎', red_circle: '🔴', large_green_circle: '🟢', information_source: 'ℹ️',
  bulb: '💡', wrench: '🔧', arrows_counterclockwise: '🔄', dart: '🎯', question: '❔', grey_question: '❔',
  heavy_minus_sign: '➖', pager: '📟', rocket: '🚀', memo: '📝', robot_face: '🤖', sparkles: '✨', boom: '💥',
};

function emoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, function (m, name) { return EMOJI[name] || m; });
}

function userName(id) {
  var st = S.state;
  if (!st) return id;
  if (id === st.bot.userId) return st.bot.name;
  for (var i = 0; i < st.users.length; i++) if (st.users[i].id === id) return st.users[i].name;
  return id;
}

function channelName(id) {
  var list = S.state ? S.state.channels : [];
  for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].name;
  return id;
}

function groupHandle(id) {
  var list = S.state ? S.state.usergroups : [];
  for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].handle;
  return id;
}

function clock(ts) {
  var d = new Date(tsNum(ts) * 1000);
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

var COLORS = ['#e8912d', '#2bac76', '#4a154b', '#1264a3', '#e01e5a', '#7c3085', '#0b4c8c', '#b5490d'];
function color(id) {
  var n = 0;
  for (var i = 0; i < id.length; i++) n = (n * 31 + id.charCodeAt(i)) >>> 0;
  return COLORS[n % COLORS.length];
}

// ---------------------------------------------------------------------------------------------------------------
// mrkdwn

function decode(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

var FENCE = '\x60\x60\x60';
var PH = /\uE000(\d+)\uE001/;
var EMPHASIS = [
  [/(^|[^\w*])\*(?!\s)([^*\n]*?[^*\s])\*(?![\w*])/, 'b'],
  [/(^|[^\w_])_(?!\s)([^_\n]*?[^_\s])_(?![\w_])/, 'i'],
  [/(^|[^\w~])~(?!\s)([^~\n]*?[^~\s])~(?![\w~])/, 's'],
];

/** A mrkdwn text rendered into a div.mrkdwn: code blocks, bullets, quotes, then inline markup per line. */
function mrkdwn(text, cls) {
  var root = h('div', 'mrkdwn' + (cls ? ' ' + cls : ''));
  var src = String(text).replace(/[\uE000\uE001]/g, '\uFFFD');
  var parts = src.split(FENCE);
  if (parts.length % 2 === 0) {
    // An unclosed fence is literal text.
    var tail = parts.pop();
    parts[parts.length - 1] += FENCE + tail;
  }
  for (var i = 0; i < parts.length; i++) {
    var part = parts[i];
    if (i % 2 === 1) {
      root.appendChild(h('pre', null, decode(part.replace(/^\n/, '').replace(/\n$/, ''))));
      continue;
    }
    if (i > 0) part = part.replace(/^\n/, '');
    if (i < parts.length - 1) part = part.replace(/\n$/, '');
    if (part === '' && parts.length > 1) continue;
    var lines = part.split('\n');
    for (var j = 0; j < lines.length; j++) root.appendChild(line(lines[j]));
  }
  return root;
}

function line(text) {
  var m = /^(\s*)([•◦▪▸‣]|-)\s+(.*)$/.exec(text);
  if (m) {
    var b = h('div', 'bullet');
    b.appendChild(document.createTextNode(m[1] + (m[2] === '-' ? '•' : m[2]) + ' '));
    inline(m[3], b);
    return b;
  }
  var q = /^&gt;\s?(.*)$/.exec(text);
  if (q) {
    var quote = h('blockquote');
    inline(q[1], quote);
    return quote;
  }
  var div = h('div', 'line');
  if (text === '') div.appendChild(document.createElement('br'));
  else inline(text, div);
  return div;
}

function inline(text, parent) {
  var tokens = [];
  var hold = function (token) {
    tokens.push(token);
    return '\uE000' + (tokens.length - 1) + '\uE001';
  };
  var s = text.replace(/\x60([^\x60\n]+)\x60/g, function (m, code) { return hold({ code: code }); });
  s = s.replace(/<([^<>\n]+)>/g, function (m, markup) { return hold({ markup: markup }); });
  emphasis(s, parent, tokens);
}

function emphasis(s, parent, tokens) {
  while (s !== '') {
    var best = null;
    for (var k = 0; k < EMPHASIS.length; k++) {
      var m = EMPHASIS[k][0].exec(s);
      if (!m) continue;
      var start = m.index + m[1].length;
      if (!best || start < best.start) best = { start: start, end: m.index + m[0].length, inner: m[2], tag: EMPHASIS[k][1] };
    }
    if (!best) { plain(s, parent, tokens); return; }
    plain(s.slice(0, best.start), parent, tokens);
    var node = document.createElement(best.tag);
    emphasis(best.inner, node, tokens);
    parent.appendChild(node);
    s = s.slice(best.end);
  }
}

function plain(s, parent, tokens) {
  var rest = s;
  while (rest !== '') {
    var m = PH.exec(rest);
    var before = m ? rest.slice(0, m.index) : rest;
    if (before !== '') parent.appendChild(document.createTextNode(emoji(decode(before))));
    if (!m) return;
    var token = tokens[Number(m[1])];
    if (token && token.code !== undefined) parent.appendChild(h('code', null, decode(token.code)));
    else if (token) parent.appendChild(markup(token.markup));
    rest = rest.slice(m.index + m[0].length);
  }
}

/** Slack's angle-bracket markup: mentions, channels, special mentions, dates and links. */
function markup(inner) {
  var bar = inner.indexOf('|');
  var target = bar < 0 ? inner : inner.slice(0, bar);
  var label = bar < 0 ? null : decode(inner.slice(bar + 1));
  var c0 = target.charAt(0);
  if (c0 === '@') return h('span', 'mention', '@' + (label || userName(target.slice(1))));
  if (c0 === '#') return h('span', 'mention', '#' + (label || channelName(target.slice(1))));
  if (c0 === '!') {
    var word = target.slice(1);
    if (word.indexOf('subteam^') === 0) return h('span', 'mention', label || '@' + groupHandle(word.slice(8)));
    if (word.indexOf('date^') === 0) return document.createTextNode(label || word);
    return h('span', 'mention', '@' + (label || word));
  }
  if (/^(https?:|mailto:)/i.test(target)) {
    var a = h('a', null, label || decode(target));
    a.href = decode(target);
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  return document.createTextNode(decode('<' + inner + '>'));
}

/** A text object: mrkdwn is parsed, plain_text shown literally. */
function textObject(t, cls) {
  if (!isRec(t)) return h('div', 'mrkdwn' + (cls ? ' ' + cls : ''));
  if (t.type === 'mrkdwn') return mrkdwn(str(t.text), cls);
  return h('div', 'mrkdwn' + (cls ? ' ' + cls : ''), t.emoji === false ? str(t.text) : emoji(str(t.text)));
}

function plainText(t) {
  if (!isRec(t)) return '';
  return t.type === 'mrkdwn' ? decode(str(t.text)) : emoji(str(t.text));
}

// ---------------------------------------------------------------------------------------------------------------
// Block Kit

/** ctx: { channel, messageTs, view } — view set inside modals. */
function blocks(list, ctx) {
  var frag = document.createDocumentFragment();
  if (!Array.isArray(list)) return frag;
  for (var i = 0; i < list.length; i++) {
    var node = block(list[i], ctx);
    if (node) frag.appendChild(node);
  }
  return frag;
}

function block(b, ctx) {
  if (!isRec(b)) return null;
  switch (b.type) {
    case 'header':
      return h('div', 'block block-header', plainText(b.text));
    case 'section': {
      var sec = h('div', 'block section');
      var main = h('div', 'section-main');
      if (b.text !== undefined) main.appendChild(textObject(b.text));
      if (Array.isArray(b.fields)) {
        var grid = h('div', 'fields');
        b.fields.forEach(function (f) { grid.appendChild(textObject(f)); });
        main.appendChild(grid);
      }
      sec.appendChild(main);
      if (isRec(b.accessory) && b.accessory.type !== 'image') {
        var acc = element(b.accessory, b, ctx);
        if (acc) sec.appendChild(acc);
      }
      return sec;
    }
    case 'context': {
      var cx = h('div', 'block context');
      (Array.isArray(b.elements) ? b.elements : []).forEach(function (e) {
        if (isRec(e) && (e.type === 'mrkdwn' || e.type === 'plain_text')) cx.appendChild(textObject(e));
      });
      return cx;
    }
    case 'divider':
      return h('hr', 'divider');
    case 'actions': {
      var row = h('div', 'block actions');
      (Array.isArray(b.elements) ? b.elements : []).forEach(function (e) {
        var node = element(e, b, ctx);
        if (node) row.appendChild(node);
      });
      return row;
    }
    case 'input':
      return ctx.view ? inputBlock(b, ctx) : h('div', 'block unsupported', '[input block outside a modal]');
    case 'markdown':
      return mrkdwn(str(b.text), 'block');
    case 'rich_text':
      return h('div', 'block mrkdwn', richText(b.elements));
    case 'image':
    case 'file':
    case 'video':
      return null;
    default:
      return h('div', 'block unsupported', '[unsupported block: ' + String(b.type) + ']');
  }
}

function richText(elements) {
  var out = '';
  (Array.isArray(elements) ? elements : []).forEach(function (e) {
    if (!isRec(e)) return;
    if (typeof e.text === 'string') out += e.text;
    else if (e.type === 'user') out += '@' + userName(str(e.user_id));
    else if (e.type === 'link') out += str(e.text) || str(e.url);
    else if (e.type === 'emoji') out += EMOJI[str(e.name)] || ':' + str(e.name) + ':';
    if (Array.isArray(e.elements)) out += richText(e.elements) + (e.type === 'rich_text_section' ? '' : '\n');
  });
  return out;
}

/** An interactive element in a message (actions block or section accessory). */
function element(e, b, ctx) {
  if (!isRec(e)) return null;
  if (e.type === 'button') {
    var btn = h('button', 'btn' + (e.style === 'primary' || e.style === 'danger' ? ' ' + e.style : ''), plainText(e.text));
    btn.type = 'button';
    btn.dataset.actionId = str(e.action_id);
    if (typeof e.accessibility_label === 'string') btn.setAttribute('aria-label', e.accessibility_label);
    btn.addEventListener('click', function () { pressButton(e, btn, ctx); });
    return btn;
  }
  if (e.type === 'static_select' || e.type === 'overflow') {
    var sel = h('select', 'btn');
    var ph = h('option', null, e.type === 'overflow' ? '⋯' : plainText(e.placeholder) || 'Select…');
    ph.value = '';
    sel.appendChild(ph);
    (Array.isArray(e.options) ? e.options : []).forEach(function (o) {
      if (!isRec(o)) return;
      var opt = h('option', null, plainText(o.text));
      opt.value = str(o.value);
      sel.appendChild(opt);
    });
    sel.addEventListener('change', function () {
      if (sel.value === '') return;
      click(e, sel.value, sel, ctx);
    });
    return sel;
  }
  return h('span', 'unsupported', '[' + String(e.type) + ']');
}

function pressButton(e, btn, ctx) {
  if (ctx.view) {
    toast('Buttons inside modals are not simulated; use Submit or Close.', true);
    return;
  }
  var go = function () {
    if (typeof e.url === 'string' && /^https?:/i.test(e.url)) window.open(e.url, '_blank', 'noopener,noreferrer');
    click(e, typeof e.value === 'string' ? e.value : undefined, btn, ctx);
  };
  if (isRec(e.confirm)) confirmDialog(e.confirm).then(function (ok) { if (ok) go(); });
  else go();
}

function click(e, value, node, ctx) {
  node.disabled = true;
  var body = { channel: ctx.channel, messageTs: ctx.messageTs, actionId: str(e.action_id) };
  if (value !== undefined) body.value = value;
  act('/api/click', body, '"' + (plainText(e.text) || str(e.action_id)) + '"').then(function () {
    node.disabled = false;
  });
}

function confirmDialog(c) {
  return new Promise(function (resolve) {
    var layer = $('confirm-layer');
    layer.textContent = '';
    var overlay = h('div', 'overlay');
    var dialog = h('div', 'dialog');
    dialog.setAttribute('role', 'alertdialog');
    dialog.appendChild(h('div', 'dialog-title', plainText(c.title) || 'Are you sure?'));
    var body = h('div', 'dialog-body');
    body.appendChild(textObject(c.text));
    dialog.appendChild(body);
    var footer = h('div', 'dialog-footer');
    var deny = h('button', 'btn', plainText(c.deny) || 'Cancel');
    var yes = h('button', 'btn ' + (c.style === 'danger' ? 'danger' : 'primary'), plainText(c.confirm) || 'Yes');
    deny.type = yes.type = 'button';
    var done = function (ok) { S.cancelConfirm = null; layer.textContent = ''; resolve(ok); };
    S.cancelConfirm = function () { done(false); };
    deny.addEventListener('click', function () { done(false); });
    yes.addEventListener('click', function () { done(true); });
    overlay.addEventListener('click', function (ev) { if (ev.target === overlay) done(false); });
    footer.appendChild(deny);
    footer.appendChild(yes);
    dialog.appendChild(footer);
    overlay.appendChild(dialog);
    layer.appendChild(overlay);
    yes.focus();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Modals

function inputBlock(b, ctx) {
  var wrap = h('div', 'block input-block');
  var e = isRec(b.element) ? b.element : {};
  var id = 'in-' + str(b.block_id) + '-' + str(e.action_id);
  var label = h('label', 'input-label', plainText(b.label));
  label.htmlFor = id;
  if (b.optional === true) label.appendChild(h('span', 'input-optional', ' (optional)'));
  wrap.appendChild(label);
  var control = inputControl(e, id);
  wrap.appendChild(control.node);
  ctx.inputs.push({ blockId: str(b.block_id), actionId: str(e.action_id) || str(b.block_id), optional: b.optional === true,
    read: control.read, wrap: wrap, label: plainText(b.label) });
  if (isRec(b.hint)) wrap.appendChild(h('div', 'input-hint', plainText(b.hint)));
  var err = ctx.view.errors && ctx.view.errors[str(b.block_id)];
  if (err) wrap.appendChild(h('div', 'input-error', err));
  return wrap;
}

function options(e) { return (Array.isArray(e.options) ? e.options : []).filter(isRec); }

function inputControl(e, id) {
  var node;
  var placeholder = plainText(e.placeholder);
  switch (e.type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input': {
      node = e.multiline === true ? h('textarea', 'input-control') : h('input', 'input-control');
      if (node.tagName === 'INPUT') node.type = e.type === 'number_input' ? 'number' : e.type === 'email_text_input' ? 'email' : e.type === 'url_text_input' ? 'url' : 'text';
      node.value = str(e.initial_value);
      if (placeholder) node.placeholder = placeholder;
      node.id = id;
      return { node: node, read: function () { return node.value === '' ? null : node.value; } };
    }
    case 'datepicker':
    case 'timepicker': {
      node = h('input', 'input-control');
      node.type = e.type === 'datepicker' ? 'date' : 'time';
      node.value = str(e.type === 'datepicker' ? e.initial_date : e.initial_time);
      node.id = id;
      return { node: node, read: function () { return node.value === '' ? null : node.value; } };
    }
    case 'static_select':
    case 'multi_static_select':
    case 'users_select': {
      node = h('select', 'input-control');
      node.id = id;
      var multi = e.type === 'multi_static_select';
      if (multi) node.multiple = true;
      var list = e.type === 'users_select'
        ? S.state.users.map(function (u) { return { value: u.id, text: { type: 'plain_text', text: u.name } }; })
        : options(e);
      var initial = e.type === 'users_select' ? [str(e.initial_user)]
        : multi ? (Array.isArray(e.initial_options) ? e.initial_options : []).map(function (o) { return isRec(o) ? str(o.value) : ''; })
        : [isRec(e.initial_option) ? str(e.initial_option.value) : ''];
      if (!multi) {
        var ph = h('option', null, placeholder || 'Select an option');
        ph.value = '';
        node.appendChild(ph);
      }
      list.forEach(function (o) {
        var opt = h('option', null, plainText(o.text));
        opt.value = str(o.value);
        if (initial.indexOf(opt.value) >= 0) opt.selected = true;
        node.appendChild(opt);
      });
      return { node: node, read: function () {
        if (multi) {
          var picked = Array.prototype.filter.call(node.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
          return picked.length === 0 ? undefined : picked;
        }
        return node.value === '' ? undefined : node.value;
      } };
    }
    case 'radio_buttons':
    case 'checkboxes': {
      node = h('div', 'input-choices');
      node.id = id;
      var radio = e.type === 'radio_buttons';
      var init = radio ? [isRec(e.initial_option) ? str(e.initial_option.value) : '']
        : (Array.isArray(e.initial_options) ? e.initial_options : []).map(function (o) { return isRec(o) ? str(o.value) : ''; });
      var boxes = [];
      options(e).forEach(function (o) {
        var row = h('label', 'input-choice');
        var box = h('input');
        box.type = radio ? 'radio' : 'checkbox';
        box.name = id;
        box.value = str(o.value);
        box.checked = init.indexOf(box.value) >= 0;
        boxes.push(box);
        row.appendChild(box);
        row.appendChild(document.createTextNode(' ' + plainText(o.text)));
        node.appendChild(row);
      });
      return { node: node, read: function () {
        var picked = boxes.filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
        if (picked.length === 0) return undefined;
        return radio ? picked[0] : picked;
      } };
    }
    default:
      node = h('div', 'unsupported', '[' + String(e.type) + ' input is not simulated]');
      return { node: node, read: function () { return undefined; } };
  }
}

function renderModal(views) {
  var layer = $('modal-layer');
  var view = views.length > 0 ? views[views.length - 1] : null;
  var key = view ? view.id + ':' + view.hash + ':' + JSON.stringify(view.errors || {}) : null;
  if (key === S.modalKey) return;
  S.modalKey = key;
  layer.textContent = '';
  if (!view) return;
  var ctx = { view: view, inputs: [] };
  var overlay = h('div', 'overlay');
  var dialog = h('div', 'dialog modal');
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.dataset.viewId = view.id;
  var title = h('div', 'dialog-title', plainText(view.title) || 'Modal');
  dialog.appendChild(title);
  var body = h('div', 'dialog-body');
  body.appendChild(blocks(view.blocks, ctx));
  dialog.appendChild(body);
  var footer = h('div', 'dialog-footer');
  var close = h('button', 'btn', plainText(view.close) || (view.submit ? 'Cancel' : 'Close'));
  close.type = 'button';
  close.addEventListener('click', function () {
    close.disabled = true;
    act('/api/view-close', { viewId: view.id }, 'Closing the modal');
  });
  footer.appendChild(close);
  if (isRec(view.submit)) {
    var submit = h('button', 'btn primary', plainText(view.submit) || 'Submit');
    submit.type = 'button';
    submit.addEventListener('click', function () {
      var values = {};
      var missing = false;
      body.querySelectorAll('.input-error.local').forEach(function (n) { n.remove(); });
      ctx.inputs.forEach(function (input) {
        var v = input.read();
        if ((v === undefined || v === null) && !input.optional) {
          missing = true;
          input.wrap.appendChild(h('div', 'input-error local', 'Please complete this required field.'));
          return;
        }
        if (v === undefined) return;
        values[input.blockId] = values[input.blockId] || {};
        values[input.blockId][input.actionId] = v;
      });
      if (missing) return;
      submit.disabled = true;
      act('/api/view-submit', { viewId: view.id, values: values }, 'Submitting the modal').then(function () {
        submit.disabled = false;
      });
    });
    footer.appendChild(submit);
  }
  dialog.appendChild(footer);
  overlay.appendChild(dialog);
  layer.appendChild(overlay);
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

function fileById(id) {
  var list = S.state.files;
  for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
  return null;
}

function size(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

/** item: { kind: 'message' | 'ephemeral', m, channel, replies, inThread, selected } */
function messageNode(item) {
  var m = item.m;
  var ephemeral = item.kind === 'ephemeral';
  var bot = ephemeral || m.bot;
  var userId = ephemeral ? S.state.bot.userId : m.user;
  var node = h('div', 'msg' + (ephemeral ? ' ephemeral' : '') + (item.selected ? ' selected' : ''));
  node.dataset.ts = m.ts;
  var avatar = h('div', 'avatar', bot ? 'C' : userName(userId).charAt(0).toUpperCase());
  avatar.style.background = bot ? '#36c5f0' : color(userId);
  node.appendChild(avatar);
  var body = h('div', 'msg-body');
  var meta = h('div', 'msg-meta');
  meta.appendChild(h('span', 'msg-name', userName(userId)));
  if (bot) meta.appendChild(h('span', 'app-badge', 'APP'));
  meta.appendChild(h('span', 'msg-time', clock(m.ts)));
  if (m.edited) meta.appendChild(h('span', 'edited', '(edited)'));
  if (ephemeral) meta.appendChild(h('span', 'only-you', 'Only visible to you'));
  body.appendChild(meta);
  if (m.replyBroadcast && !item.inThread) body.appendChild(h('div', 'broadcast-note', 'replied to a thread'));
  var ctx = { channel: item.channel, messageTs: m.ts, view: null };
  if (Array.isArray(m.blocks) && m.blocks.length > 0) body.appendChild(blocks(m.blocks, ctx));
  else if (m.text) body.appendChild(mrkdwn(m.text));
  if (Array.isArray(m.files) && m.files.length > 0) {
    var files = h('div', 'files');
    m.files.forEach(function (id) {
      var f = fileById(id);
      var a = h('a', 'file');
      a.href = '/api/files/' + encodeURIComponent(id);
      a.setAttribute('download', f ? f.filename : id);
      a.appendChild(h('span', 'file-icon', '📄'));
      var info = h('span');
      info.appendChild(h('div', 'file-name', f ? f.title || f.filename : id));
      info.appendChild(h('div', 'file-meta', f ? f.filename + ' · ' + size(f.size) + ' · download' : 'file'));
      a.appendChild(info);
      files.appendChild(a);
    });
    body.appendChild(files);
  }
  if (Array.isArray(m.reactions) && m.reactions.length > 0) {
    var rs = h('div', 'reactions');
    m.reactions.forEach(function (r) { rs.appendChild(h('span', 'reaction', (EMOJI[r.name] || ':' + r.name + ':') + ' ' + r.count)); });
    body.appendChild(rs);
  }
  if (!item.inThread && item.replies && item.replies.length > 0) {
    var n = item.replies.length;
    var rep = h('button', 'replies');
    rep.type = 'button';
    rep.appendChild(h('span', 'replies-count', n + (n === 1 ? ' reply' : ' replies')));
    rep.appendChild(h('span', 'replies-last', 'Last reply ' + clock(item.replies[n - 1].ts)));
    rep.addEventListener('click', function () { openThread(item.channel, m.ts); });
    body.appendChild(rep);
  }
  node.appendChild(body);
  return node;
}

var caches = new WeakMap();

/** Keyed re-render: nodes whose signature did not change are kept (focus, selection and scroll survive). */
function reconcile(container, items) {
  var old = caches.get(container) || new Map();
  var next = new Map();
  var nodes = items.map(function (it) {
    var prev = old.get(it.key);
    var node = prev && prev.sig === it.sig ? prev.node : it.build();
    next.set(it.key, { sig: it.sig, node: node });
    return node;
  });
  for (var i = 0; i < nodes.length; i++) {
    if (container.childNodes[i] !== nodes[i]) container.insertBefore(nodes[i], container.childNodes[i] || null);
  }
  while (container.childNodes.length > nodes.length) container.removeChild(container.lastChild);
  caches.set(container, next);
}

function messageItem(item) {
  var files = (item.m.files || []).map(fileById);
  var sig = JSON.stringify([item.kind, item.m, item.replies ? item.replies.length : 0,
    item.replies && item.replies.length ? item.replies[item.replies.length - 1].ts : '', item.selected, files, S.user]);
  return { key: item.kind + ':' + item.m.ts, sig: sig, build: function () { return messageNode(item); } };
}

function keepScroll(container, fn) {
  var atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  var top = container.scrollTop;
  fn();
  container.scrollTop = atBottom ? container.scrollHeight : top;
}

// ---------------------------------------------------------------------------------------------------------------
// Layout

function currentChannel() {
  var list = S.state.channels;
  for (var i = 0; i < list.length; i++) if (list[i].id === S.channel) return list[i];
  return list[0] || null;
}

function newestTs(ch) {
  return ch.messages.reduce(function (max, m) { return tsNum(m.ts) > tsNum(max) ? m.ts : max; }, '0');
}

function botParents(ch) {
  return ch.messages.filter(function (m) { return m.bot && m.threadTs === null; });
}

function openThread(channel, ts) {
  S.thread = { channel: channel, ts: ts };
  S.threadFresh = true;
  render();
}

function selectChannel(id) {
  if (S.channel === id) return;
  S.channel = id;
  if (S.thread && S.thread.channel !== id) S.thread = null;
  S.channelFresh = true;
  render();
}

/** Auto-follow: the newest bot thread opens by itself (on load, and whenever the bot starts a new one). */
function follow() {
  var st = S.state;
  var first = S.seenParents === null;
  var seen = S.seenParents || new Set();
  var fresh = [];
  st.channels.forEach(function (ch) {
    botParents(ch).forEach(function (m) {
      var key = ch.id + ':' + m.ts;
      if (!seen.has(key)) { seen.add(key); fresh.push({ channel: ch.id, m: m }); }
    });
  });
  S.seenParents = seen;
  if (first) {
    st.channels.forEach(function (ch) { S.lastSeen[ch.id] = newestTs(ch); });
    var here = fresh.filter(function (f) { return f.channel === S.channel; }).sort(function (a, b) { return byTs(a.m, b.m); });
    var last = here[here.length - 1];
    if (last) { S.thread = { channel: last.channel, ts: last.m.ts }; S.threadFresh = true; }
    return;
  }
  fresh.sort(function (a, b) { return byTs(a.m, b.m); });
  for (var i = fresh.length - 1; i >= 0; i--) {
    var f = fresh[i];
    if (f.channel === S.channel || S.followNext) {
      if (f.channel !== S.channel) { S.channel = f.channel; S.channelFresh = true; }
      S.thread = { channel: f.channel, ts: f.m.ts };
      S.threadFresh = true;
      S.followNext = false;
      return;
    }
  }
}

function setConnection(on, text) {
  var c = $('connection');
  c.className = 'connection ' + (on ? 'on' : 'off');
  c.textContent = text;
}

function renderSidebar() {
  var st = S.state;
  var users = $('user-select');
  var userSig = JSON.stringify(st.users);
  if (users.dataset.sig !== userSig) {
    users.textContent = '';
    st.users.forEach(function (u) {
      var o = h('option', null, u.name + (u.realName && u.realName !== u.name ? ' (' + u.realName + ')' : ''));
      o.value = u.id;
      users.appendChild(o);
    });
    users.dataset.sig = userSig;
  }
  users.value = S.user;

  var items = st.channels.map(function (ch) {
    var unread = ch.id === S.channel ? 0 : ch.messages.filter(function (m) { return tsNum(m.ts) > tsNum(S.lastSeen[ch.id] || '0'); }).length;
    return {
      key: ch.id,
      sig: JSON.stringify([ch.name, ch.id === S.channel, unread]),
      build: function () {
        var b = h('button', (ch.id === S.channel ? 'active' : '') + (unread > 0 ? ' unread' : ''));
        b.type = 'button';
        b.dataset.channel = ch.id;
        b.appendChild(h('span', null, '# ' + ch.name));
        if (unread > 0) b.appendChild(h('span', 'badge', unread));
        b.addEventListener('click', function () { selectChannel(ch.id); });
        return b;
      },
    };
  });
  reconcile($('channel-list'), items);

  var box = $('scenario-box');
  box.hidden = st.scenarios.length === 0;
  var sel = $('scenario-select');
  var scSig = JSON.stringify(st.scenarios.map(function (s) { return s.name; }));
  if (sel.dataset.sig !== scSig) {
    sel.textContent = '';
    st.scenarios.forEach(function (s) {
      var o = h('option', null, s.name);
      o.value = s.name;
      o.title = s.description;
      sel.appendChild(o);
    });
    sel.dataset.sig = scSig;
  }
  if (st.scenario && !sel.disabled) sel.value = st.scenario;
  var sc = scenario();
  $('scenario-description').textContent = sc ? sc.description : '';
  var page = $('page-me');
  page.disabled = !st.canPage || S.paging === true;
  page.title = st.canPage ? 'Send a signed PagerDuty incident for this scenario' : 'Paging is not wired in this playground';

  var n = st.connectedSockets;
  setConnection(n > 0, n > 0 ? 'bot connected (Socket Mode)' : 'no Socket Mode connection');
}

function scenario() {
  var st = S.state;
  for (var i = 0; i < st.scenarios.length; i++) if (st.scenarios[i].name === st.scenario) return st.scenarios[i];
  return st.scenarios[0] || null;
}

function suggestion() {
  var sc = scenario();
  return sc ? 'investigate ' + sc.target + ' -n ' + sc.namespace : 'investigate deploy/payments-service -n production';
}

function renderComposer() {
  var input = $('composer-input');
  var suggest = suggestion();
  input.placeholder = suggest;
  var hint = $('composer-hint');
  var sig = suggest;
  if (hint.dataset.sig === sig) return;
  hint.dataset.sig = sig;
  hint.textContent = '';
  hint.appendChild(document.createTextNode('Try '));
  [suggest, 'status', 'help'].forEach(function (text, i) {
    if (i > 0) hint.appendChild(document.createTextNode(i === 2 ? ' or ' : ', '));
    var c = h('code', null, '/causa ' + text);
    c.title = 'Put in the composer';
    c.addEventListener('click', function () { input.value = text; input.focus(); });
    hint.appendChild(c);
  });
}

function renderChannel() {
  var st = S.state;
  var ch = currentChannel();
  var list = $('messages');
  if (!ch) { list.textContent = ''; return; }
  S.channel = ch.id;
  S.lastSeen[ch.id] = newestTs(ch);
  $('channel-title').textContent = '# ' + ch.name;
  $('channel-topic').textContent = st.channels.length > 0 ? ch.id : '';
  var items = ch.messages.map(function (m) {
    return messageItem({ kind: 'message', m: m, channel: ch.id, replies: ch.threads[m.ts] || [],
      inThread: false, selected: !!(S.thread && S.thread.channel === ch.id && S.thread.ts === m.ts) });
  }).concat(ch.ephemerals.filter(function (e) { return e.threadTs === null; }).map(function (e) {
    return messageItem({ kind: 'ephemeral', m: e, channel: ch.id, replies: null, inThread: false, selected: false });
  }));
  items.sort(function (a, b) { return tsNum(a.key.split(':')[1]) - tsNum(b.key.split(':')[1]); });
  if (items.length === 0) {
    items.push({ key: 'empty', sig: 'empty', build: function () {
      return h('div', 'empty', 'No messages yet. Press "Page me" or send a /causa command below.');
    } });
  }
  var fresh = S.channelFresh;
  S.channelFresh = false;
  keepScroll(list, function () { reconcile(list, items); });
  if (fresh) list.scrollTop = list.scrollHeight;
}

function renderThread() {
  var pane = $('thread');
  var t = S.thread;
  var ch = null;
  if (t) S.state.channels.forEach(function (c) { if (c.id === t.channel) ch = c; });
  if (!t || !ch) { pane.hidden = true; return; }
  pane.hidden = false;
  pane.dataset.ts = t.ts;
  $('thread-channel').textContent = '# ' + ch.name;
  var parent = null;
  ch.messages.forEach(function (m) { if (m.ts === t.ts) parent = m; });
  var replies = ch.threads[t.ts] || [];
  var items = [];
  if (parent) {
    items.push(messageItem({ kind: 'message', m: parent, channel: ch.id, replies: null, inThread: true, selected: false }));
  } else {
    items.push({ key: 'gone', sig: 'gone', build: function () { return h('div', 'empty', 'This message was deleted.'); } });
  }
  var count = replies.length;
  items.push({ key: 'divider', sig: String(count), build: function () {
    return h('div', 'thread-divider', count + (count === 1 ? ' reply' : ' replies'));
  } });
  var rest = replies.map(function (m) {
    return messageItem({ kind: 'message', m: m, channel: ch.id, replies: null, inThread: true, selected: false });
  }).concat(ch.ephemerals.filter(function (e) { return e.threadTs === t.ts; }).map(function (e) {
    return messageItem({ kind: 'ephemeral', m: e, channel: ch.id, replies: null, inThread: true, selected: false });
  }));
  rest.sort(function (a, b) { return tsNum(a.key.split(':')[1]) - tsNum(b.key.split(':')[1]); });
  var list = $('thread-messages');
  var fresh = S.threadFresh || list.dataset.ts !== t.ts;
  S.threadFresh = false;
  list.dataset.ts = t.ts;
  keepScroll(list, function () { reconcile(list, items.concat(rest)); });
  if (fresh) list.scrollTop = list.scrollHeight;
}

function render() {
  var st = S.state;
  if (!st) return;
  if (!S.user) S.user = st.user;
  if (!S.channel && st.channels[0]) S.channel = st.channels[0].id;
  document.title = st.title;
  follow();
  renderSidebar();
  renderComposer();
  renderChannel();
  renderThread();
  renderModal(st.views);
  document.body.dataset.version = st.version;
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

function init() {
  $('composer').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('composer-input');
    var text = input.value.trim();
    if (text === '' || !S.channel) return;
    input.value = '';
    var send = $('composer-send');
    send.disabled = true;
    act('/api/command', { text: text, channel: S.channel }, '/causa ' + text).then(function () {
      send.disabled = false;
    });
  });
  $('thread-close').addEventListener('click', function () {
    S.thread = null;
    render();
  });
  $('user-select').addEventListener('change', function (ev) {
    S.user = ev.target.value;
    S.modalKey = null;
    load();
  });
  $('scenario-select').addEventListener('change', function (ev) {
    var sel = ev.target;
    var name = sel.value;
    sel.disabled = true;
    act('/api/scenario', { name: name }, 'Switching to ' + name).then(function (r) {
      sel.disabled = false;
      if (r && r.ok !== false) toast('Scenario: ' + name);
    });
  });
  $('page-me').addEventListener('click', function () {
    var sc = scenario();
    if (!sc) return;
    S.paging = true;
    S.followNext = true;
    $('page-me').disabled = true;
    act('/api/page', { scenario: sc.name }, 'Paging').then(function (r) {
      S.paging = false;
      if (r && r.ok !== false) toast('PagerDuty incident sent for ' + sc.name + ': watch the bot pick it up.');
      else S.followNext = false;
      render();
    });
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape') return;
    if (S.cancelConfirm) { S.cancelConfirm(); return; }
    var modal = document.querySelector('#modal-layer .dialog');
    if (modal && modal.dataset.viewId) act('/api/view-close', { viewId: modal.dataset.viewId }, 'Closing the modal');
  });
  var events = new EventSource('/api/events');
  events.addEventListener('change', function () { load(); });
  events.addEventListener('error', function () { setConnection(false, 'reconnecting to the playground…'); });
  load();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
})();
`;
