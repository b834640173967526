/*
 * SEGIB assistant - website chat widget.
 *
 * Talks to the Rasa server's socket.io channel (rasa_server.channels.socketio) with the socket.io client
 * (window.io, from npm). Needs window.SEGIB_WIDGET_CONFIG (served as /widget/config.js); the
 * attributes data-socket-url, data-socket-path and data-open of this script tag override it.
 *
 * Safety: every text (the visitor's and the bot's) is put in the page with textContent; only
 * http(s) and mailto links found in the bot's text become <a> elements. No innerHTML anywhere.
 * Persistence: the session id, its resume token (issued by the server: the id alone does not
 * reopen a conversation) and the transcript live in localStorage, so the conversation survives
 * reloads, page changes and other tabs of this browser; "new conversation" deletes all three, and
 * so does a transcript left unused for the retention period (config.retentionDays, RETENTION_DAYS).
 * Privacy (docs/privacy.md): the log opens with a one-line notice linking to the privacy page
 * (config.privacyUrl). "Download my conversation" saves the server's JSON copy of this tab's own
 * conversation (event export_conversation); "Forget my conversation" (after a confirmation) asks the
 * server to delete it (event forget_conversation, rasa_server.channels.socketio), empties localStorage and
 * starts a new one, kept only in memory until the visitor writes again.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "segib-assistant:v1";
  var MAX_STORED_MESSAGES = 200;
  var NO_REPLY_MS = 45000;
  var QUIET_MS = 4000;
  var FORGET_TIMEOUT_MS = 15000;
  var DAY_MS = 86400000;
  var EXPORT_FILE = "segib-conversation.json";
  var GREET_PAYLOAD = "/greet";
  var LINK = /(https?:\/\/[^\s<>"']+|[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})/g;
  var TRAILING = /[.,;:!?)\]»"']+$/;

  var script = document.currentScript;
  var config = window.SEGIB_WIDGET_CONFIG || {};
  function setting(attribute, key, fallback) {
    var value = script && script.getAttribute("data-" + attribute);
    return value !== null && value !== undefined && value !== "" ? value : (key in config ? config[key] : fallback);
  }
  var socketUrl = setting("socket-url", "socketUrl", window.location.origin);
  var socketPath = setting("socket-path", "socketPath", "/socket.io/");
  var startOpen = String(setting("open", "open", "true")) !== "false";
  var maxChars = parseInt(config.maxMessageChars, 10) || 2000;
  var privacyUrl = setting("privacy-url", "privacyUrl", "/privacy");
  var retentionDays = parseFloat(config.retentionDays) || 90;

  // The browser's language: the hint sent with every message, and the language of the labels.
  var locale = navigator.language || (navigator.languages && navigator.languages[0]) || "";
  var labelsByLanguage = config.labels || {};
  var uiLanguage = (locale.toLowerCase().split(/[-_]/)[0]);
  if (!labelsByLanguage[uiLanguage]) { uiLanguage = config.defaultLanguage || "es"; }
  var L = labelsByLanguage[uiLanguage] || {};
  function label(key) { return L[key] || key; }

  // ------------------------------------------------------------------ state (localStorage)
  var memoryStore = null;
  var persisting = true;     // false after "forget" until the visitor writes again
  // resumeToken: the server's signature of sessionId, the only way back into this conversation
  function freshState() { return { sessionId: null, resumeToken: null, open: startOpen, messages: [] }; }
  function expired(parsed) {
    return typeof parsed.savedAt === "number" && Date.now() - parsed.savedAt > retentionDays * DAY_MS;
  }
  function loadState() {
    try {
      var raw = window.localStorage.getItem(STORAGE_KEY);
      var parsed = raw ? JSON.parse(raw) : null;
      if (parsed && Array.isArray(parsed.messages) && expired(parsed)) {
        window.localStorage.removeItem(STORAGE_KEY);  // kept no longer than the server keeps it
        return freshState();
      }
      if (parsed && Array.isArray(parsed.messages)) { return parsed; }
    } catch (error) {
      if (memoryStore) { return JSON.parse(memoryStore); }
    }
    return freshState();
  }
  function saveState() {
    if (state.messages.length > MAX_STORED_MESSAGES) {
      state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    }
    if (!persisting) { return; }
    state.savedAt = Date.now();
    var raw = JSON.stringify(state);
    try { window.localStorage.setItem(STORAGE_KEY, raw); } catch (error) { memoryStore = raw; }
  }
  function clearStorage() {
    persisting = false;
    memoryStore = null;
    try { window.localStorage.removeItem(STORAGE_KEY); } catch (error) { /* nothing stored */ }
  }
  var state = loadState();

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, className, attributes) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }
  function text(tag, className, value) {
    var node = el(tag, className);
    node.textContent = value;
    return node;
  }

  /* Bot text: lines kept, http(s) URLs and e-mail addresses turned into links. */
  function renderRich(container, value) {
    String(value).split("\n").forEach(function (line, index) {
      if (index > 0) { container.appendChild(document.createElement("br")); }
      var last = 0;
      line.replace(LINK, function (match, _group, offset) {
        var target = match.replace(TRAILING, "");
        if (offset > last) { container.appendChild(document.createTextNode(line.slice(last, offset))); }
        var isMail = target.indexOf("://") < 0;
        var link = el("a", "sw-link", { href: (isMail ? "mailto:" : "") + target });
        link.textContent = target;
        if (!isMail) {
          link.setAttribute("target", "_blank");
          link.setAttribute("rel", "noopener noreferrer");
          link.appendChild(text("span", "sw-vh", " " + label("new_window")));
        }
        container.appendChild(link);
        last = offset + target.length;
        return match;
      });
      if (last < line.length) { container.appendChild(document.createTextNode(line.slice(last))); }
    });
  }

  // ------------------------------------------------------------------ the widget's DOM
  var root = el("div", "sw-root", { lang: uiLanguage });
  var launcher = el("button", "sw-launcher", {
    type: "button", "aria-controls": "sw-panel", "aria-expanded": "false", "aria-label": label("open")
  });
  launcher.appendChild(el("span", "sw-launcher-icon", { "aria-hidden": "true" }));
  launcher.appendChild(text("span", "sw-launcher-text", label("title")));

  var panel = el("section", "sw-panel", { id: "sw-panel", "aria-labelledby": "sw-title" });
  var header = el("div", "sw-header");
  header.appendChild(text("h2", "sw-title", label("title"))).id = "sw-title";
  var restartButton = el("button", "sw-icon-button sw-restart", {
    type: "button", "aria-label": label("restart"), title: label("restart")
  });
  restartButton.appendChild(text("span", "", "\u21BA")).setAttribute("aria-hidden", "true");
  var closeButton = el("button", "sw-icon-button sw-close", {
    type: "button", "aria-label": label("close"), title: label("close"), "aria-controls": "sw-panel"
  });
  closeButton.appendChild(text("span", "", "\u2013")).setAttribute("aria-hidden", "true");
  header.appendChild(restartButton);
  header.appendChild(closeButton);

  var log = el("div", "sw-log", {
    role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": label("log"), tabindex: "0"
  });
  var status = el("p", "sw-status", { role: "status" });
  var form = el("form", "sw-form", { novalidate: "" });
  var inputId = "sw-input";
  var inputLabel = text("label", "sw-vh", label("input"));
  inputLabel.setAttribute("for", inputId);
  var input = el("textarea", "sw-input", {
    id: inputId, rows: "2", maxlength: String(maxChars), placeholder: label("input"), autocomplete: "off"
  });
  var sendButton = text("button", "sw-send", label("send"));
  sendButton.setAttribute("type", "submit");
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);

  // "Forget my conversation": a visible text button, then a confirmation in its place.
  var footer = el("div", "sw-footer");
  var forgetButton = text("button", "sw-forget", label("forget"));
  forgetButton.setAttribute("type", "button");
  var confirmBox = el("div", "sw-confirm", { role: "group", "aria-labelledby": "sw-confirm-text" });
  confirmBox.appendChild(text("p", "sw-confirm-text", label("forget_confirm"))).id = "sw-confirm-text";
  var forgetYes = text("button", "sw-confirm-yes", label("forget_yes"));
  forgetYes.setAttribute("type", "button");
  var forgetNo = text("button", "sw-confirm-no", label("forget_no"));
  forgetNo.setAttribute("type", "button");
  confirmBox.appendChild(forgetYes);
  confirmBox.appendChild(forgetNo);
  confirmBox.hidden = true;
  var privacyLink = text("a", "sw-privacy-link", label("privacy_link"));
  privacyLink.setAttribute("href", privacyUrl);
  privacyLink.setAttribute("target", "_blank");
  privacyLink.setAttribute("rel", "noopener");
  var downloadButton = text("button", "sw-download", label("download"));
  downloadButton.setAttribute("type", "button");
  footer.appendChild(privacyLink);
  footer.appendChild(downloadButton);
  footer.appendChild(forgetButton);
  footer.appendChild(confirmBox);

  /* The first-contact notice at the top of every conversation: what is kept, for how long, a link. */
  function privacyNotice() {
    var notice = el("p", "sw-privacy");
    notice.appendChild(document.createTextNode(label("privacy_notice").replace("{days}", String(retentionDays)) + " "));
    var link = text("a", "sw-link", label("privacy_link"));
    link.setAttribute("href", privacyUrl);
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener");
    notice.appendChild(link);
    return notice;
  }

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  panel.appendChild(footer);
  root.appendChild(panel);
  root.appendChild(launcher);

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  function renderMessage(message, index) {
    var item = el("div", "sw-msg sw-msg--" + message.from);
    if (message.from === "notice") {
      item.appendChild(text("p", "sw-bubble", message.text));
      return item;
    }
    if (message.from === "staff") { return renderStaffMessage(item, message); }
    item.appendChild(text("span", "sw-vh", (message.from === "user" ? label("you") : label("bot")) + ": "));
    var bubble = el("div", "sw-bubble");
    if (message.from === "bot") { renderRich(bubble, message.text || ""); } else { bubble.textContent = message.text; }
    if (message.image) {
      bubble.appendChild(el("img", "sw-image", { src: message.image, alt: "" }));
    }
    item.appendChild(bubble);
    if (message.buttons && message.buttons.length) {
      var group = el("div", "sw-buttons", { role: "group", "aria-label": label("options") });
      message.buttons.forEach(function (button) {
        var node = text("button", "sw-choice", button.title);
        node.setAttribute("type", "button");
        if (message.used) { node.disabled = true; }
        node.addEventListener("click", function () {
          if (message.used) { return; }
          message.used = true;  // a menu answers once; the other menus stay usable
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) { b.disabled = true; });
          saveState();
          send(button.payload, button.title);
        });
        group.appendChild(node);
      });
      item.appendChild(group);
    }
    item.setAttribute("data-index", String(index));
    return item;
  }

  /* A reply from a person of SEGIB's team (live hand-off): its own look; the text already starts
     with "SEGIB (staff):", and the log (aria-live) announces it like every addition. */
  function renderStaffMessage(item, message) {
    var bubble = el("div", "sw-bubble");
    renderRich(bubble, message.text || "");
    item.appendChild(bubble);
    return item;
  }

  function renderAll() {
    while (log.firstChild) { log.removeChild(log.firstChild); }
    log.appendChild(privacyNotice());
    state.messages.forEach(function (message, index) { log.appendChild(renderMessage(message, index)); });
    scrollToEnd();
  }

  function append(message) {
    state.messages.push(message);
    saveState();
    log.appendChild(renderMessage(message, state.messages.length - 1));
    scrollToEnd();
  }

  function setOpen(open, moveFocus) {
    state.open = open;
    saveState();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (moveFocus) { (open ? input : launcher).focus(); }
    if (open) { scrollToEnd(); }
  }

  function setStatus(value) { status.textContent = value || ""; }

  // ------------------------------------------------------------------ conversation
  var socket = null;
  var confirmed = false;
  var pending = [];          // messages typed before the session was confirmed
  var awaiting = false;      // this tab asked something and replies are still coming
  var noReplyTimer = null;
  var quietTimer = null;

  function emitMessage(payload) {
    socket.emit("user_uttered", {
      message: payload, session_id: state.sessionId, customData: { language: locale }
    });
  }

  function expectReply() {
    awaiting = true;
    setStatus(label("typing"));
    clearTimeout(noReplyTimer);
    noReplyTimer = setTimeout(function () {
      awaiting = false;
      setStatus("");
      append({ from: "notice", text: label("no_reply") });
    }, NO_REPLY_MS);
  }

  /* Sends `payload` to the bot; shows `shown` (or nothing for a silent payload such as /greet). */
  function send(payload, shown) {
    if (!payload || !String(payload).trim()) { return; }
    if (shown !== null && !persisting) { persisting = true; }  // the visitor writes again: keep it
    if (shown !== null) { append({ from: "user", text: shown === undefined ? payload : shown }); }
    expectReply();
    if (confirmed && socket.connected) { emitMessage(payload); } else { pending.push(payload); }
  }

  function onBotMessage(data) {
    if (!data || typeof data !== "object") { return; }
    clearTimeout(noReplyTimer);
    setStatus("");
    clearTimeout(quietTimer);
    quietTimer = setTimeout(function () { awaiting = false; }, QUIET_MS);
    // Another tab of the same conversation asked: it records the reply; this tab re-reads storage.
    if (!awaiting && document.visibilityState === "hidden") { return; }
    var buttons = (data.quick_replies || data.buttons || []).filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    }).map(function (b) { return { title: b.title, payload: b.payload }; });
    var image = null;
    var attachment = data.attachment;
    if (attachment && attachment.type === "image" && attachment.payload &&
        /^https?:\/\//.test(String(attachment.payload.src || ""))) {
      image = String(attachment.payload.src);
    }
    var message = { from: "bot", text: typeof data.text === "string" ? data.text : "" };
    if (buttons.length) { message.buttons = buttons; }
    if (image) { message.image = image; }
    if (message.text || buttons.length || image) { append(message); }
  }

  /* Live hand-off (rasa_server/channels/livecase.py): staff replies arrive as staff_uttered {id, text, kind},
     in order; each is shown once (ids at or below the stored cursor were shown already, e.g. before
     a reload) and acknowledged, so that the server sends it no more, even after the tab was closed. */
  function onStaffMessage(data) {
    if (!data || typeof data.id !== "number" || typeof data.text !== "string") { return; }
    var cursor = state.staffCursor || 0;
    if (data.id > cursor) {
      state.staffCursor = data.id;
      append({ from: data.kind === "staff" ? "staff" : "bot", text: data.text });
      clearTimeout(noReplyTimer);
      setStatus("");
    }
    socket.emit("staff_seen", { id: Math.max(cursor, data.id) });
  }

  /* The visitor's message went to staff: no reply of the assistant is coming. */
  function onRelayed() {
    clearTimeout(noReplyTimer);
    awaiting = false;
    setStatus("");
  }

  /* Asks to continue the stored conversation (with its resume token), or for a new one. */
  function requestSession() {
    confirmed = false;
    socket.emit("session_request", { session_id: state.sessionId, resume_token: state.resumeToken });
  }

  function onSessionConfirm(data) {
    if (!data || typeof data !== "object") { return; }
    var id = data.session_id;
    if (typeof id !== "string" || !id || typeof data.resume_token !== "string") { return; }
    var isNew = state.sessionId !== id;
    if (isNew && state.sessionId) { state.messages = []; renderAll(); }  // the old one is gone
    state.sessionId = id;
    state.resumeToken = data.resume_token;
    saveState();
    confirmed = true;
    setStatus(awaiting ? label("typing") : "");
    if (isNew && !state.messages.length && !pending.length) {
      send(GREET_PAYLOAD, null);
      return;
    }
    var queued = pending;
    pending = [];
    queued.forEach(emitMessage);
  }

  function connect() {
    if (typeof window.io !== "function") {
      setStatus(label("offline"));
      return;
    }
    socket = window.io(socketUrl, { path: socketPath, transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      setStatus(awaiting ? label("typing") : "");
      requestSession();
    });
    socket.on("session_confirm", onSessionConfirm);
    socket.on("bot_uttered", onBotMessage);
    socket.on("staff_uttered", onStaffMessage);
    socket.on("handoff_relayed", onRelayed);
    socket.on("connect_error", function () { confirmed = false; setStatus(label("offline")); });
    socket.on("disconnect", function () { confirmed = false; setStatus(label("offline")); });
  }

  /* A new conversation: nothing of the old one is kept in the browser; `notice` opens the new one. */
  function startOver(notice) {
    state = freshState();
    state.open = true;
    if (notice) { state.messages.push({ from: "notice", text: notice }); }
    saveState();
    pending = [];
    awaiting = false;
    clearTimeout(noReplyTimer);
    renderAll();
    setStatus("");
    if (socket && socket.connected) { requestSession(); }
  }

  function restart() {
    startOver(null);
    input.focus();
  }

  function showForgetConfirmation(open) {
    confirmBox.hidden = !open;
    forgetButton.hidden = open;
    (open ? forgetNo : forgetButton).focus();  // the harmless choice first
  }

  /* Sends `event` about this tab's own conversation (the server takes no id from here) and hands the
     acknowledgement to `done`; no connection, or no answer within FORGET_TIMEOUT_MS, shows `failedLabel`. */
  function askServer(event, failedLabel, done) {
    var answered = false;
    function failed() {
      answered = true;
      append({ from: "notice", text: label(failedLabel) });
    }
    if (!socket || !socket.connected) { failed(); return; }
    var timer = setTimeout(function () { if (!answered) { failed(); } }, FORGET_TIMEOUT_MS);
    socket.emit(event, {}, function (reply) {
      if (answered) { return; }
      answered = true;
      clearTimeout(timer);
      if (reply && reply.ok) { done(reply); } else { failed(); }
    });
  }

  /* Deletes this conversation on the server, then everything of it in the browser. */
  function forgetConversation() {
    showForgetConfirmation(false);
    askServer("forget_conversation", "forget_failed", function () {
      clearStorage();
      startOver(label("forget_done"));
    });
  }

  /* Saves the server's JSON copy of this conversation as a file. */
  function downloadConversation() {
    askServer("export_conversation", "download_failed", function (reply) {
      var blob = new Blob([JSON.stringify(reply.document, null, 2)], { type: "application/json" });
      var link = el("a", "", { href: URL.createObjectURL(blob), download: EXPORT_FILE });
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    });
  }

  // ------------------------------------------------------------------ events
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value;
    if (!value.trim()) { input.focus(); return; }
    input.value = "";
    send(value.slice(0, maxChars));
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { sendButton.click(); }
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); setOpen(false, true); }
  });
  launcher.addEventListener("click", function () { setOpen(true, true); });
  closeButton.addEventListener("click", function () { setOpen(false, true); });
  restartButton.addEventListener("click", restart);
  downloadButton.addEventListener("click", downloadConversation);
  forgetButton.addEventListener("click", function () { showForgetConfirmation(true); });
  forgetNo.addEventListener("click", function () { showForgetConfirmation(false); });
  forgetYes.addEventListener("click", forgetConversation);
  confirmBox.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {  // closes the question, not the chat
      event.preventDefault();
      event.stopPropagation();
      showForgetConfirmation(false);
    }
  });
  window.addEventListener("storage", function (event) {
    if (event.key !== STORAGE_KEY) { return; }
    var sessionBefore = state.sessionId;
    state = loadState();
    renderAll();
    // Another tab started a new conversation: follow it once its id is known.
    if (state.sessionId && state.sessionId !== sessionBefore && socket && socket.connected) {
      requestSession();
    }
  });

  function mount() {
    document.body.appendChild(root);
    renderAll();
    setOpen(state.open !== false, false);
    setStatus(label("connecting"));
    connect();
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
