/**
 * The playground page: the HTML shell and its stylesheet, kept as TypeScript strings so they ship in dist/ without a
 * copy step. The script (`client.ts`) fills the shell; everything it shows is built with textContent, never HTML.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export function pageHtml(title: string): string {
  const t = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<div id="app">
  <aside id="sidebar">
    <div class="workspace">
      <div class="workspace-name">${t}</div>
      <div id="connection" class="connection" title="Socket Mode connections of the bot to the Slack simulator">…</div>
    </div>
    <label class="side-label" for="user-select">Acting as</label>
    <select id="user-select" class="side-select" aria-label="Acting user"></select>
    <div class="side-label">Channels</div>
    <nav id="channel-list" aria-label="Channels"></nav>
    <section id="scenario-box" hidden>
      <label class="side-label" for="scenario-select">Scenario</label>
      <select id="scenario-select" class="side-select" aria-label="Scenario"></select>
      <div id="scenario-description" class="scenario-description"></div>
      <button id="page-me" type="button" class="page-me">🚨 Page me</button>
    </section>
    <div class="side-help">Type <code>/causa help</code> in the composer for every command.</div>
  </aside>
  <main id="channel">
    <header class="channel-header"><span id="channel-title"># …</span><span id="channel-topic" class="channel-topic"></span></header>
    <div id="messages" class="messages" aria-live="polite"></div>
    <form id="composer" class="composer" autocomplete="off">
      <span class="composer-command">/causa</span>
      <input id="composer-input" class="composer-input" type="text" spellcheck="false" aria-label="/causa command">
      <button id="composer-send" type="submit" class="send">Send</button>
    </form>
    <div id="composer-hint" class="composer-hint"></div>
  </main>
  <aside id="thread" class="thread" hidden>
    <header class="thread-header"><span>Thread</span><span id="thread-channel" class="channel-topic"></span>
      <button id="thread-close" type="button" class="icon-button" aria-label="Close thread">✕</button></header>
    <div id="thread-messages" class="messages"></div>
  </aside>
</div>
<div id="modal-layer"></div>
<div id="confirm-layer"></div>
<div id="toasts" aria-live="assertive"></div>
<noscript>The playground needs JavaScript.</noscript>
</body>
</html>
`;
}

export const PAGE_CSS = `
:root {
  --side-bg: #3f0e40; --side-fg: #cfc3cf; --side-active: #1164a3; --border: #e2e2e2; --muted: #616061;
  --link: #1264a3; --code-bg: #f8f8f8; --code-border: #dddddd; --green: #007a5a; --red: #e01e5a;
  --eph-bg: #f4f8fc;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; color: #1d1c1d;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
#app { display: flex; height: 100vh; overflow: hidden; }
#sidebar { width: 260px; flex: none; background: var(--side-bg); color: var(--side-fg); padding: 12px 0; overflow-y: auto; }
.workspace { padding: 0 16px 12px; border-bottom: 1px solid rgba(255,255,255,.15); margin-bottom: 8px; }
.workspace-name { color: #fff; font-weight: 800; font-size: 17px; }
.connection { font-size: 12px; margin-top: 4px; }
.connection.on::before { content: "● "; color: #2bac76; }
.connection.off::before { content: "○ "; }
.side-label { display: block; padding: 10px 16px 4px; font-size: 13px; font-weight: 600; opacity: .8; }
.side-select { margin: 0 16px; width: calc(100% - 32px); padding: 5px; border-radius: 4px; border: none; font-size: 14px; }
#channel-list button { display: flex; justify-content: space-between; width: 100%; text-align: left; background: none; border: 0;
  color: var(--side-fg); padding: 5px 16px; font-size: 15px; cursor: pointer; }
#channel-list button:hover { background: rgba(0,0,0,.2); }
#channel-list button.active { background: var(--side-active); color: #fff; }
#channel-list button.unread { color: #fff; font-weight: 700; }
.badge { background: var(--red); color: #fff; border-radius: 9px; padding: 0 7px; font-size: 12px; font-weight: 700; }
.scenario-description { padding: 6px 16px 0; font-size: 12px; line-height: 1.4; }
.page-me { display: block; margin: 12px 16px; width: calc(100% - 32px); padding: 12px; font-size: 17px; font-weight: 800;
  background: var(--red); color: #fff; border: 0; border-radius: 6px; cursor: pointer; }
.page-me:disabled { opacity: .45; cursor: not-allowed; }
.side-help { padding: 16px; font-size: 12px; opacity: .8; }
.side-help code { background: rgba(255,255,255,.12); padding: 0 3px; border-radius: 3px; }
main#channel { flex: 1; display: flex; flex-direction: column; min-width: 0; }
.channel-header, .thread-header { height: 49px; flex: none; display: flex; align-items: center; gap: 10px; padding: 0 16px;
  border-bottom: 1px solid var(--border); font-weight: 800; font-size: 17px; }
.channel-topic { font-weight: 400; font-size: 13px; color: var(--muted); }
.messages { flex: 1; overflow-y: auto; padding: 8px 0 16px; }
.empty { color: var(--muted); padding: 24px 20px; }
.msg { display: flex; gap: 8px; padding: 6px 20px; position: relative; }
.msg:hover { background: #f8f8f8; }
.msg.ephemeral { background: var(--eph-bg); }
.msg.selected { background: #fef9ec; }
.avatar { width: 36px; height: 36px; border-radius: 6px; flex: none; display: flex; align-items: center; justify-content: center;
  color: #fff; font-weight: 800; font-size: 16px; }
.msg-body { min-width: 0; flex: 1; }
.msg-meta { display: flex; align-items: baseline; gap: 6px; flex-wrap: wrap; }
.msg-name { font-weight: 900; }
.app-badge { background: #e8e8e8; color: var(--muted); font-size: 10px; font-weight: 700; padding: 1px 3px; border-radius: 2px; }
.msg-time, .edited { color: var(--muted); font-size: 12px; }
.only-you { color: var(--muted); font-size: 12px; font-style: italic; }
.broadcast-note { color: var(--muted); font-size: 12px; }
.mrkdwn { white-space: pre-wrap; word-wrap: break-word; overflow-wrap: anywhere; line-height: 1.46; }
.mrkdwn code { font-family: Monaco, Menlo, Consolas, "Courier New", monospace; font-size: 12px; color: #c01343;
  background: var(--code-bg); border: 1px solid var(--code-border); border-radius: 3px; padding: 1px 3px; }
.mrkdwn pre { font-family: Monaco, Menlo, Consolas, "Courier New", monospace; font-size: 12px; line-height: 1.5;
  background: var(--code-bg); border: 1px solid var(--code-border); border-radius: 4px; padding: 8px; margin: 4px 0;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.mrkdwn a { color: var(--link); text-decoration: none; }
.mrkdwn a:hover { text-decoration: underline; }
.mrkdwn .mention { background: #e8f5fa; color: var(--link); border-radius: 3px; padding: 0 2px; }
.mrkdwn blockquote { margin: 2px 0; padding-left: 10px; border-left: 4px solid #dddddd; }
.bullet { display: block; padding-left: 1.1em; text-indent: -1.1em; }
.block { margin: 4px 0; }
.block-header { font-size: 18px; font-weight: 900; line-height: 1.33; margin: 6px 0 4px; }
.section { display: flex; gap: 12px; align-items: flex-start; }
.section-main { flex: 1; min-width: 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 6px; }
.context { display: flex; flex-wrap: wrap; gap: 4px 12px; color: var(--muted); font-size: 12px; }
.context .mrkdwn code { font-size: 11px; }
.divider { border: 0; border-top: 1px solid var(--border); margin: 10px 0; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
.btn { font: inherit; font-size: 14px; font-weight: 700; border: 1px solid #bbbbbb; background: #fff; color: #1d1c1d;
  border-radius: 4px; padding: 5px 12px; cursor: pointer; min-height: 32px; }
.btn:hover { background: #f6f6f6; }
.btn.primary { background: var(--green); border-color: var(--green); color: #fff; }
.btn.danger { background: var(--red); border-color: var(--red); color: #fff; }
.btn:disabled { opacity: .5; cursor: progress; }
.unsupported { color: var(--muted); font-size: 12px; font-style: italic; }
.files { display: flex; flex-direction: column; gap: 6px; margin-top: 4px; }
.file { display: inline-flex; align-items: center; gap: 10px; border: 1px solid var(--border); border-radius: 8px; padding: 8px 12px;
  max-width: 420px; color: inherit; text-decoration: none; background: #fff; }
.file:hover { border-color: #bbbbbb; }
.file-icon { font-size: 22px; }
.file-name { font-weight: 700; font-size: 14px; }
.file-meta { color: var(--muted); font-size: 12px; }
.reactions { display: flex; gap: 4px; margin-top: 4px; }
.reaction { border: 1px solid var(--border); border-radius: 12px; padding: 0 6px; font-size: 12px; background: #f8f8f8; }
.replies { display: inline-flex; gap: 6px; align-items: center; margin-top: 4px; background: none; border: 1px solid transparent;
  border-radius: 6px; padding: 3px 6px 3px 0; cursor: pointer; font: inherit; }
.replies:hover { border-color: var(--border); background: #fff; padding-left: 6px; }
.replies-count { color: var(--link); font-weight: 700; font-size: 13px; }
.replies-last { color: var(--muted); font-size: 12px; }
.composer { display: flex; align-items: center; gap: 8px; margin: 0 20px; border: 1px solid #bbbbbb; border-radius: 8px;
  padding: 6px 6px 6px 12px; }
.composer:focus-within { border-color: #1d9bd1; box-shadow: 0 0 0 1px #1d9bd1; }
.composer-command { font-family: Monaco, Menlo, Consolas, monospace; font-weight: 700; color: var(--link); }
.composer-input { flex: 1; border: 0; outline: 0; font: inherit; font-family: Monaco, Menlo, Consolas, monospace; font-size: 14px; }
.send { background: var(--green); color: #fff; border: 0; border-radius: 4px; padding: 6px 14px; font-weight: 700; cursor: pointer; }
.composer-hint { margin: 4px 20px 12px; color: var(--muted); font-size: 12px; }
.composer-hint code { cursor: pointer; background: var(--code-bg); border: 1px solid var(--code-border); border-radius: 3px; padding: 0 3px; }
.thread { width: 44%; max-width: 720px; min-width: 360px; flex: none; border-left: 1px solid var(--border); display: flex;
  flex-direction: column; }
.thread[hidden] { display: none; }
.thread-header { justify-content: flex-start; }
.icon-button { margin-left: auto; background: none; border: 0; font-size: 16px; cursor: pointer; color: var(--muted); }
.thread-divider { display: flex; align-items: center; gap: 10px; color: var(--muted); font-size: 13px; padding: 4px 20px; }
.thread-divider::after { content: ""; flex: 1; border-top: 1px solid var(--border); }
.overlay { position: fixed; inset: 0; background: rgba(29,28,29,.5); display: flex; align-items: center; justify-content: center;
  z-index: 10; }
.dialog { background: #fff; border-radius: 8px; width: 640px; max-width: calc(100vw - 32px); max-height: calc(100vh - 64px);
  display: flex; flex-direction: column; box-shadow: 0 18px 48px rgba(0,0,0,.35); }
.dialog-title { font-size: 20px; font-weight: 900; padding: 18px 24px 10px; display: flex; align-items: center; }
.dialog-body { padding: 4px 24px 16px; overflow-y: auto; }
.dialog-footer { display: flex; justify-content: flex-end; gap: 8px; padding: 14px 24px; border-top: 1px solid var(--border); }
.input-block { margin: 12px 0; }
.input-label { display: block; font-weight: 700; margin-bottom: 6px; }
.input-optional { color: var(--muted); font-weight: 400; }
.input-hint { color: var(--muted); font-size: 12px; margin-top: 4px; }
.input-error { color: var(--red); font-size: 13px; margin-top: 4px; }
.input-control { width: 100%; font: inherit; padding: 8px; border: 1px solid #bbbbbb; border-radius: 4px; }
textarea.input-control { min-height: 90px; resize: vertical; }
#confirm-layer .overlay { z-index: 20; }
#toasts { position: fixed; left: 50%; bottom: 24px; transform: translateX(-50%); display: flex; flex-direction: column; gap: 8px;
  z-index: 30; }
.toast { background: #1d1c1d; color: #fff; padding: 10px 16px; border-radius: 6px; font-size: 14px; max-width: 600px;
  box-shadow: 0 6px 18px rgba(0,0,0,.3); }
.toast.error { background: var(--red); }
`;
