/*
 * Clinic chat widget: a chat bubble and panel that talk to the Rasa REST channel.
 *
 * Embed with one tag:
 *   <script src="https://bot.example/webhooks/widget/widget.js" defer></script>
 *
 * Options (data attributes on that script tag, all optional):
 *   data-bot-url     the REST webhook (default: this script's origin + /webhooks/rest/webhook)
 *   data-title       the panel's title (default: "Clinic assistant" / "Asistente de la clínica")
 *   data-timeout-ms  how long to wait for an answer before offering "Try again" (default: 15000)
 *
 * Safety: bot text never goes through innerHTML. It is split into text nodes,
 * <strong> for **bold** and <a> for http(s) links only.
 * Privacy: the conversation id lives in sessionStorage (gone when the tab closes);
 * the transcript itself is never stored in the browser.
 * Staff: when the bot hands the conversation to a person (handoff/), staff replies
 * have no request to answer, so the widget fetches them from
 * /webhooks/widget/messages: every second while staff have the conversation,
 * every 15 seconds otherwise (staff may take over a conversation at any time),
 * and only once the patient has written in this tab. The privacy notice's
 * wording (with the clinic's retention period) comes from the server
 * (/webhooks/widget/privacy); a generic notice shows until it arrives.
 * Language: English or Spanish. A page in Spanish (<html lang="es">) starts in
 * Spanish; after that the widget follows the language of the bot's answers (each
 * says it: metadata.language), so a patient who writes in Spanish, or asks for
 * English, gets the widget's own words in that language too. The widget sends
 * its language with each message (metadata.language): a new conversation starts
 * in it.
 */
(function () {
  "use strict";

  // A page that embeds the widget twice still gets one widget.
  if (window.__clinicChatWidget) return;
  window.__clinicChatWidget = true;

  var SENDER_KEY = "clinic-chat-sender";
  var AFTER_KEY = "clinic-chat-after"; // the last staff-side message shown
  var DEFAULT_TIMEOUT_MS = 15000;
  var STAFF_CHECK_MS = 1000; // while staff have the conversation
  var IDLE_CHECK_MS = 15000; // otherwise
  var LANGUAGE_KEY = "clinic-chat-language";
  var TEXTS = {};
  TEXTS.en = {
    title: "Clinic assistant",
    bubble: "Chat with us",
    close: "Close chat",
    clear: "Clear conversation",
    cleared: "Conversation cleared. A new one has started.",
    notice: "I give general facts, not medical advice. In an emergency, call 911.",
    privacy: "Don't share more personal details than needed. Type 'forget my conversation' to delete yours.",
    logLabel: "Conversation",
    inputLabel: "Your question",
    placeholder: "Type your question…",
    send: "Send",
    typing: "The assistant is typing…",
    you: "You said: ",
    bot: "Assistant said: ",
    newTab: " (opens in a new tab)",
    repliesLabel: "Suggested replies",
    timedOut: "Sorry, the server didn't answer in time. Please try again, or call the clinic.",
    unreachable: "Sorry, we couldn't reach the assistant. Please try again, or call the clinic.",
    retry: "Try again",
    staff: "Clinic staff",
    staffSaid: " (clinic staff) said: ",
    sentToStaff: "Sent. Our staff will see your message."
  };
  TEXTS.es = {
    title: "Asistente de la clínica",
    bubble: "Escríbanos",
    close: "Cerrar el chat",
    clear: "Borrar la conversación",
    cleared: "Se borró la conversación. Empezó una nueva.",
    notice: "Le doy información general, no consejos médicos. En una emergencia, llame al 911.",
    privacy: "No comparta más datos personales de los necesarios. Escriba 'olvide mi conversación' para borrar la suya.",
    logLabel: "Conversación",
    inputLabel: "Su pregunta",
    placeholder: "Escriba su pregunta…",
    send: "Enviar",
    typing: "El asistente está escribiendo…",
    you: "Usted dijo: ",
    bot: "El asistente dijo: ",
    newTab: " (se abre en una pestaña nueva)",
    repliesLabel: "Respuestas sugeridas",
    timedOut: "Perdone, el servidor no respondió a tiempo. Intente de nuevo o llame a la clínica.",
    unreachable: "Perdone, no pudimos comunicarnos con el asistente. Intente de nuevo o llame a la clínica.",
    retry: "Intentar de nuevo",
    staff: "Personal de la clínica",
    staffSaid: " (personal de la clínica) dijo: ",
    sentToStaff: "Enviado. Nuestro personal verá su mensaje."
  };

  // "es", "es-MX", "ES" -> "es"; anything else -> null.
  function knownLanguage(value) {
    var code = String(value || "").trim().toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(TEXTS, code) ? code : null;
  }

  // ---------------------------------------------------------------------------
  // Configuration from the script tag
  // ---------------------------------------------------------------------------
  function findOwnScript() {
    // document.currentScript is null in some embedding setups (e.g. injected by a tag manager).
    var scripts = document.querySelectorAll("script[src]");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  var ownScript = document.currentScript || findOwnScript();
  var options = (ownScript && ownScript.dataset) || {};
  var scriptUrl = (ownScript && ownScript.src) || window.location.href;
  var botUrl = options.botUrl
    ? new URL(options.botUrl, document.baseURI).href
    : new URL("/webhooks/rest/webhook", scriptUrl).href;
  var privacyUrl = new URL("/webhooks/widget/privacy", scriptUrl).href;
  var messagesUrl = new URL("/webhooks/widget/messages", scriptUrl).href;
  // The page's language; build() prefers the one this tab's conversation moved to.
  var language = knownLanguage(document.documentElement.lang) || "en";
  var TEXT = TEXTS[language];
  function title() { return options.title || TEXT.title; }
  var timeoutMs = parseInt(options.timeoutMs, 10);
  if (!(timeoutMs > 0)) timeoutMs = DEFAULT_TIMEOUT_MS;

  // ---------------------------------------------------------------------------
  // Styles
  // ---------------------------------------------------------------------------
  // Colours are checked against WCAG AA: text >= 4.5:1 on its background,
  // focus rings and input borders >= 3:1.
  var CSS = [
    ".ccw-root, .ccw-root *, .ccw-root *::before, .ccw-root *::after { box-sizing: border-box; }",
    ".ccw-root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; font-size: 16px; line-height: 1.45; color: #1b1f24; }",
    ".ccw-root button, .ccw-root input { font: inherit; margin: 0; }",
    ".ccw-root button { cursor: pointer; }",
    ".ccw-sr { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }",

    // Focus: a white ring hugging the element and a dark blue ring outside it,
    // visible on light and dark backgrounds alike.
    ".ccw-root :focus { outline: none; }",
    ".ccw-root :focus-visible { outline: 3px solid #0b5cad; outline-offset: 2px; box-shadow: 0 0 0 2px #ffffff; }",

    ".ccw-bubble { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: inline-flex; align-items: center; gap: 8px;" +
      " min-height: 56px; padding: 0 20px; border: 1px solid transparent; border-radius: 28px; background: #0b5cad; color: #ffffff;" +
      " font-weight: 600; box-shadow: 0 4px 14px rgba(0, 0, 0, 0.25); }",
    ".ccw-bubble:hover { background: #094a8c; }",
    ".ccw-bubble svg { width: 24px; height: 24px; fill: currentColor; flex: none; }",

    ".ccw-panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483001; display: flex; flex-direction: column;" +
      " width: 380px; max-width: calc(100vw - 40px); height: 620px; max-height: calc(100vh - 108px);" +
      " background: #ffffff; border: 1px solid #c3cbd3; border-radius: 12px; box-shadow: 0 12px 32px rgba(0, 0, 0, 0.25);" +
      " overflow: hidden; animation: ccw-open 0.18s ease-out; }",
    // display:flex above would otherwise override the hidden attribute.
    ".ccw-panel[hidden] { display: none; }",
    "@keyframes ccw-open { from { opacity: 0; transform: translateY(12px); } to { opacity: 1; transform: none; } }",

    ".ccw-header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #f5f7f9; border-bottom: 1px solid #d5dbe1; }",
    ".ccw-title { flex: 1; margin: 0; font-size: 17px; font-weight: 700; color: #0b3d6e; }",
    ".ccw-clear { padding: 4px 10px; border: 1px solid #6b7680; border-radius: 6px; background: #ffffff; color: #1b1f24; font-size: 14px; }",
    ".ccw-clear:hover { background: #e9edf1; }",
    ".ccw-close { display: inline-flex; align-items: center; justify-content: center; width: 36px; height: 36px; padding: 0;" +
      " border: 1px solid transparent; border-radius: 6px; background: transparent; color: #1b1f24; font-size: 24px; line-height: 1; }",
    ".ccw-close:hover { background: #e9edf1; }",

    ".ccw-notice { padding: 8px 12px; background: #fff7dc; border-bottom: 1px solid #e3d39b; color: #3b2f00; font-size: 14px; }",
    ".ccw-notice p { margin: 0; }",
    ".ccw-notice p + p { margin-top: 4px; }",

    ".ccw-log { flex: 1; display: flex; flex-direction: column; gap: 10px; overflow-y: auto; padding: 12px; background: #ffffff; }",
    ".ccw-msg { max-width: 88%; padding: 8px 12px; border-radius: 12px; overflow-wrap: anywhere; animation: ccw-appear 0.15s ease-out; }",
    "@keyframes ccw-appear { from { opacity: 0; } to { opacity: 1; } }",
    ".ccw-msg p { margin: 0; }",
    ".ccw-msg p + p { margin-top: 6px; }",
    ".ccw-msg-user { align-self: flex-end; background: #0b5cad; color: #ffffff; white-space: pre-wrap; border-bottom-right-radius: 4px; }",
    ".ccw-msg-bot { align-self: flex-start; background: #eef1f4; color: #1b1f24; border-bottom-left-radius: 4px; }",
    ".ccw-msg-bot a { color: #0a4f94; text-decoration: underline; }",
    ".ccw-msg-bot strong { font-weight: 700; }",
    ".ccw-source { font-size: 13px; color: #47525d; }",
    ".ccw-msg-error { background: #fdecea; color: #5c1a12; border: 1px solid #e2a197; }",
    ".ccw-msg-staff { background: #e3f1e6; border: 1px solid #9cc9a5; }",
    ".ccw-staff-label { font-size: 13px; font-weight: 700; color: #1d5a2a; }",
    ".ccw-replies { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }",
    ".ccw-reply { min-height: 32px; padding: 4px 12px; border: 1px solid #0b5cad; border-radius: 16px; background: #ffffff; color: #0b5cad; font-size: 14px; }",
    ".ccw-reply:hover { background: #e6effa; }",

    ".ccw-status { display: flex; align-items: center; gap: 8px; padding: 0 12px; color: #47525d; font-size: 14px; }",
    ".ccw-status:not(:empty) { padding-top: 4px; padding-bottom: 4px; }",
    ".ccw-dots { display: inline-flex; gap: 3px; }",
    ".ccw-dots span { width: 6px; height: 6px; border-radius: 50%; background: #47525d; animation: ccw-blink 1.2s infinite ease-in-out; }",
    ".ccw-dots span:nth-child(2) { animation-delay: 0.2s; }",
    ".ccw-dots span:nth-child(3) { animation-delay: 0.4s; }",
    "@keyframes ccw-blink { 0%, 80%, 100% { opacity: 0.3; } 40% { opacity: 1; } }",

    ".ccw-form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #d5dbe1; background: #ffffff; }",
    ".ccw-input { flex: 1; min-width: 0; padding: 9px 12px; border: 1px solid #6b7680; border-radius: 8px; background: #ffffff; color: #1b1f24; }",
    ".ccw-input::placeholder { color: #5f6a74; opacity: 1; }",
    ".ccw-send { padding: 0 16px; border: 1px solid transparent; border-radius: 8px; background: #0b5cad; color: #ffffff; font-weight: 600; }",
    ".ccw-send:hover { background: #094a8c; }",

    // Phones: the open panel takes the whole screen and hides the bubble beneath it.
    "@media (max-width: 600px) {" +
      " .ccw-panel { top: 0; right: 0; bottom: 0; left: 0; width: auto; max-width: none; height: auto; max-height: none; border: 0; border-radius: 0; }" +
      " .ccw-open .ccw-bubble { display: none; }" +
      " .ccw-msg { max-width: 92%; }" +
      " .ccw-input { font-size: 16px; }" + // 16px stops iOS from zooming into the field
    " }",

    "@media (prefers-reduced-motion: reduce) {" +
      " .ccw-root *, .ccw-root *::before, .ccw-root *::after { animation: none !important; transition: none !important; scroll-behavior: auto !important; }" +
      " .ccw-dots span { opacity: 1; }" +
    " }"
  ].join("\n");

  function injectStyles(css) {
    // A constructed stylesheet is not an inline <style>, so the widget also
    // works on pages whose Content-Security-Policy forbids inline styles.
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      var sheets = Array.prototype.slice.call(document.adoptedStyleSheets);
      sheets.push(sheet);
      document.adoptedStyleSheets = sheets;
      return;
    } catch (notSupported) {
      // Older browsers: fall back to a <style> element.
    }
    var style = document.createElement("style");
    style.textContent = css;
    document.head.appendChild(style);
  }

  // ---------------------------------------------------------------------------
  // DOM helpers
  // ---------------------------------------------------------------------------
  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function screenReaderOnly(text) {
    return element("span", { class: "ccw-sr", text: text });
  }

  function chatIcon() {
    var svgNs = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(svgNs, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
    svg.appendChild(path);
    return svg;
  }

  // ---------------------------------------------------------------------------
  // Safe rendering of bot text
  // ---------------------------------------------------------------------------
  // **bold**, [label](url) or a bare http(s) URL, whichever comes first.
  // A link's URL may hold one level of parentheses: [x](https://w.org/a_(b)).
  var INLINE_MARKUP = /\*\*(.+?)\*\*|\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)|(https?:\/\/[^\s<>"]+)/g;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]'"]+$/;

  function httpUrlOrNull(candidate) {
    var url;
    try {
      url = new URL(candidate); // absolute URLs only: no base
    } catch (invalid) {
      return null;
    }
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  }

  function appendLink(parent, label, href) {
    var safeHref = httpUrlOrNull(href);
    if (!safeHref) {
      // javascript:, data: and the like are shown as their label, never as links.
      parent.appendChild(document.createTextNode(label));
      return;
    }
    var link = element("a", { href: safeHref, target: "_blank", rel: "noopener noreferrer", text: label });
    link.appendChild(screenReaderOnly(TEXT.newTab));
    parent.appendChild(link);
  }

  function appendText(parent, text) {
    if (text) parent.appendChild(document.createTextNode(text));
  }

  function appendInline(parent, text) {
    var pattern = new RegExp(INLINE_MARKUP.source, "g"); // own lastIndex: this recurses
    var consumed = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      appendText(parent, text.slice(consumed, match.index));
      var end = match.index + match[0].length;
      if (match[1] !== undefined) {
        var strong = element("strong");
        appendInline(strong, match[1]);
        parent.appendChild(strong);
      } else if (match[2] !== undefined) {
        appendLink(parent, match[2], match[3]);
      } else {
        // "see https://x.org." — the full stop ends the sentence, not the URL.
        var url = match[4].replace(TRAILING_PUNCTUATION, "");
        end = match.index + url.length;
        appendLink(parent, url, url);
      }
      consumed = end;
      pattern.lastIndex = end;
    }
    appendText(parent, text.slice(consumed));
  }

  function appendBotText(container, text) {
    text.split("\n").forEach(function (line) {
      if (!line.trim()) return;
      var isSource = /^\s*Source:/.test(line);
      var paragraph = element("p", isSource ? { class: "ccw-source" } : {});
      appendInline(paragraph, line);
      container.appendChild(paragraph);
    });
  }

  // ---------------------------------------------------------------------------
  // The conversation id (sessionStorage, with a memory fallback if storage is blocked)
  // ---------------------------------------------------------------------------
  var memoryStorage = {};

  function readSession(key) {
    try { return window.sessionStorage.getItem(key); } catch (blocked) { return memoryStorage[key] || null; }
  }

  function writeSession(key, value) {
    try { window.sessionStorage.setItem(key, value); } catch (blocked) { memoryStorage[key] = value; }
  }

  function removeSession(key) {
    try { window.sessionStorage.removeItem(key); } catch (blocked) { /* nothing stored */ }
    delete memoryStorage[key];
  }

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // randomUUID needs a secure context; getRandomValues does not. Build a version 4 UUID.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function senderId() {
    var id = readSession(SENDER_KEY);
    if (!id) {
      id = randomId();
      writeSession(SENDER_KEY, id);
    }
    return id;
  }

  // ---------------------------------------------------------------------------
  // The privacy notice: the clinic's own wording, as text (never as HTML)
  // ---------------------------------------------------------------------------
  function showServerPrivacyNotice(paragraph) {
    fetch(privacyUrl + "?language=" + language, { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (body) {
      if (body && typeof body.notice === "string" && body.notice.trim()) paragraph.textContent = body.notice;
    }).catch(function () { /* keep the built-in notice */ });
  }

  // ---------------------------------------------------------------------------
  // The widget
  // ---------------------------------------------------------------------------
  function build() {
    injectStyles(CSS);
    var conversationLanguage = knownLanguage(readSession(LANGUAGE_KEY));
    if (conversationLanguage) {
      language = conversationLanguage;
      TEXT = TEXTS[language];
    }

    var bubble = element("button", {
      type: "button", class: "ccw-bubble", "aria-expanded": "false", "aria-controls": "ccw-panel"
    }, [chatIcon(), element("span", { class: "ccw-bubble-label", text: TEXT.bubble })]);

    var clearButton = element("button", { type: "button", class: "ccw-clear", text: TEXT.clear });
    var closeButton = element("button", { type: "button", class: "ccw-close", "aria-label": TEXT.close, text: "×" });
    var header = element("div", { class: "ccw-header" }, [
      element("h2", { class: "ccw-title", text: title() }), clearButton, closeButton
    ]);

    var privacyNotice = element("p", { class: "ccw-privacy", text: TEXT.privacy });
    var notice = element("div", { class: "ccw-notice" }, [
      element("p", {}, [element("strong", { class: "ccw-medical-notice", text: TEXT.notice })]),
      privacyNotice
    ]);
    showServerPrivacyNotice(privacyNotice);

    // tabindex: keyboard users can scroll a long conversation (axe: scrollable-region-focusable).
    var log = element("div", {
      class: "ccw-log", role: "log", "aria-live": "polite", "aria-label": TEXT.logLabel,
      "aria-busy": "false", tabindex: "0"
    });

    // A separate polite live region, so "typing…" is announced without being added to the log.
    var status = element("div", { class: "ccw-status", role: "status", "aria-live": "polite" });

    var input = element("input", {
      type: "text", id: "ccw-input", class: "ccw-input", name: "message", autocomplete: "off",
      maxlength: "1000", placeholder: TEXT.placeholder, enterkeyhint: "send"
    });
    var form = element("form", { class: "ccw-form" }, [
      element("label", { for: "ccw-input", class: "ccw-sr ccw-input-label", text: TEXT.inputLabel }),
      input,
      element("button", { type: "submit", class: "ccw-send", text: TEXT.send })
    ]);

    var panel = element("div", {
      id: "ccw-panel", class: "ccw-panel", role: "dialog", "aria-label": title()
    }, [header, notice, log, status, form]);
    panel.hidden = true;

    var root = element("div", { class: "ccw-root", role: "region", "aria-label": title(), lang: language }, [bubble, panel]);
    document.body.appendChild(root);

    // --- Language ---------------------------------------------------------------
    // The widget's own words in `next` ("en" or "es"); messages already shown stay as they were.
    function setLanguage(next) {
      next = knownLanguage(next);
      if (!next || next === language) return;
      language = next;
      TEXT = TEXTS[language];
      writeSession(LANGUAGE_KEY, language);
      root.setAttribute("lang", language);
      root.setAttribute("aria-label", title());
      panel.setAttribute("aria-label", title());
      root.querySelector(".ccw-title").textContent = title();
      root.querySelector(".ccw-bubble-label").textContent = TEXT.bubble;
      clearButton.textContent = TEXT.clear;
      closeButton.setAttribute("aria-label", TEXT.close);
      root.querySelector(".ccw-medical-notice").textContent = TEXT.notice;
      privacyNotice.textContent = TEXT.privacy;
      showServerPrivacyNotice(privacyNotice);
      log.setAttribute("aria-label", TEXT.logLabel);
      root.querySelector(".ccw-input-label").textContent = TEXT.inputLabel;
      input.setAttribute("placeholder", TEXT.placeholder);
      root.querySelector(".ccw-send").textContent = TEXT.send;
    }

    var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

    function scrollLogTo(top) {
      log.scrollTo({ top: top, behavior: reducedMotion && reducedMotion.matches ? "auto" : "smooth" });
    }

    function scrollToEnd() {
      scrollLogTo(log.scrollHeight);
    }

    // Answers are read from the top: bring the question and the start of a long
    // answer into view rather than the answer's last line.
    function scrollToAnswer(firstAnswer) {
      var previous = firstAnswer.previousElementSibling;
      var anchor = previous && previous.classList.contains("ccw-msg-user") ? previous : firstAnswer;
      scrollLogTo(anchor.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 12);
    }

    // --- Open and close ------------------------------------------------------
    function openPanel() {
      panel.hidden = false;
      root.classList.add("ccw-open");
      bubble.setAttribute("aria-expanded", "true");
      input.focus();
      scrollToEnd();
    }

    function closePanel() {
      panel.hidden = true;
      root.classList.remove("ccw-open");
      bubble.setAttribute("aria-expanded", "false");
      bubble.focus();
    }

    bubble.addEventListener("click", function () {
      if (panel.hidden) openPanel(); else closePanel();
    });
    closeButton.addEventListener("click", closePanel);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !event.isComposing) {
        event.preventDefault();
        closePanel();
      }
    });

    // --- Messages ------------------------------------------------------------
    function addMessage(kind, fill) {
      var message = element("div", { class: "ccw-msg ccw-msg-" + kind });
      fill(message);
      log.appendChild(message);
      return message;
    }

    function addUserMessage(text) {
      addMessage("user", function (message) {
        message.appendChild(screenReaderOnly(TEXT.you));
        message.appendChild(document.createTextNode(text));
      });
      scrollToEnd();
    }

    function addBotMessage(reply) {
      var text = typeof reply.text === "string" ? reply.text : "";
      var buttons = Array.isArray(reply.buttons) ? reply.buttons.filter(function (button) {
        return button && typeof button.title === "string" && typeof button.payload === "string";
      }) : [];
      if (!text && !buttons.length) return null; // images, custom payloads: not shown by this widget
      return addMessage("bot", function (message) {
        message.appendChild(screenReaderOnly(TEXT.bot));
        appendBotText(message, text);
        if (!buttons.length) return;
        var replies = element("div", { class: "ccw-replies", role: "group", "aria-label": TEXT.repliesLabel });
        buttons.forEach(function (button) {
          var replyButton = element("button", { type: "button", class: "ccw-reply", text: button.title });
          // The patient sees the title as their message; the bot gets the payload.
          replyButton.addEventListener("click", function () { send(button.payload, button.title); });
          replies.appendChild(replyButton);
        });
        message.appendChild(replies);
      });
    }

    function addStaffMessage(reply) {
      var name = typeof reply.name === "string" && reply.name.trim() ? reply.name.trim() : TEXT.staff;
      return addMessage("bot ccw-msg-staff", function (message) {
        message.appendChild(screenReaderOnly(name + TEXT.staffSaid));
        message.appendChild(element("p", { class: "ccw-staff-label", "aria-hidden": "true", text: name + " · " + TEXT.staff }));
        appendBotText(message, typeof reply.text === "string" ? reply.text : "");
      });
    }

    function addFailure(text, explanation) {
      var failure = addMessage("bot ccw-msg-error", function (message) {
        message.appendChild(element("p", { text: explanation }));
        var retry = element("button", { type: "button", class: "ccw-reply ccw-retry", text: TEXT.retry });
        retry.addEventListener("click", function () {
          failure.remove();
          input.focus(); // the focused button is gone; keep focus in the panel
          enqueue(text);
        });
        message.appendChild(element("div", { class: "ccw-replies" }, [retry]));
      });
      scrollToEnd();
    }

    function setWaiting(waiting) {
      log.setAttribute("aria-busy", waiting ? "true" : "false");
      status.textContent = "";
      if (waiting) {
        status.appendChild(element("span", { class: "ccw-dots", "aria-hidden": "true" }, [
          element("span"), element("span"), element("span")
        ]));
        status.appendChild(element("span", { text: TEXT.typing }));
      }
    }

    // --- Talking to the bot ----------------------------------------------------
    // Messages go out one at a time so answers appear in the order questions were asked.
    var queue = Promise.resolve();
    // Bumped by "Clear conversation": late answers to the old conversation are dropped.
    var conversation = 0;
    var inFlight = null;

    function enqueue(text) {
      var forConversation = conversation;
      queue = queue.then(function () {
        if (forConversation === conversation) return exchange(text, forConversation);
      });
    }

    function exchange(text, forConversation) {
      var controller = new AbortController();
      var timedOut = false;
      var timer = setTimeout(function () { timedOut = true; controller.abort(); }, timeoutMs);
      var passedToStaff = false; // stored for staff, with no answer from the bot
      inFlight = controller;
      setWaiting(true);
      return fetch(botUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: senderId(), message: text, metadata: { language: language } }),
        credentials: "omit",
        signal: controller.signal
      }).then(function (response) {
        // 429 (too many messages) comes with a message for the patient, shaped like an answer.
        if (!response.ok && response.status !== 429) throw new Error("The bot answered HTTP " + response.status);
        return response.json();
      }).then(function (replies) {
        if (forConversation !== conversation) return;
        if (!Array.isArray(replies)) throw new Error("The bot's answer is not a list");
        var firstAnswer = null;
        var withStaff = false;
        replies.forEach(function (reply) {
          var said = reply && typeof reply === "object" && reply.metadata && reply.metadata.language;
          if (said) setLanguage(said); // before the answer, so its screen-reader label matches
          var message = reply && typeof reply === "object" ? addBotMessage(reply) : null;
          firstAnswer = firstAnswer || message;
          if (reply && reply.handoff) withStaff = true;
        });
        if (firstAnswer) scrollToAnswer(firstAnswer);
        passedToStaff = withStaff && !firstAnswer;
        checkForStaffMessages(withStaff);
      }).catch(function () {
        if (forConversation !== conversation) return; // aborted by "Clear conversation"
        addFailure(text, timedOut ? TEXT.timedOut : TEXT.unreachable);
      }).then(function () {
        clearTimeout(timer);
        inFlight = null;
        // After "Clear conversation" the status line says so; leave it.
        if (forConversation === conversation) {
          setWaiting(false);
          if (passedToStaff) status.textContent = TEXT.sentToStaff;
        }
      });
    }

    // --- Messages from staff (and the bot's notes during a hand-off) -----------
    var staffHaveIt = false;
    var checkTimer = null;
    var checking = false;

    function shownUpTo() {
      return parseInt(readSession(AFTER_KEY), 10) || 0;
    }

    // Checks now if staff just got the conversation, then keeps checking.
    function checkForStaffMessages(now) {
      if (now) staffHaveIt = true;
      if (checking) return;
      clearTimeout(checkTimer);
      checkTimer = setTimeout(checkOnce, now ? 0 : (staffHaveIt ? STAFF_CHECK_MS : IDLE_CHECK_MS));
    }

    function checkOnce() {
      var forConversation = conversation;
      var sender = readSession(SENDER_KEY);
      if (!sender) return;
      checking = true;
      var url = messagesUrl + "?sender=" + encodeURIComponent(sender) + "&after=" + shownUpTo();
      fetch(url, { credentials: "omit", cache: "no-store" }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (body) {
        if (!body || forConversation !== conversation) return;
        var messages = Array.isArray(body.messages) ? body.messages : [];
        var first = null;
        messages.forEach(function (reply) {
          if (!reply || typeof reply !== "object") return;
          var shown = reply.from === "staff" ? addStaffMessage(reply) : addBotMessage(reply);
          first = first || shown;
          if (typeof reply.id === "number" && reply.id > shownUpTo()) writeSession(AFTER_KEY, String(reply.id));
        });
        if (first) {
          status.textContent = "";
          scrollToAnswer(first);
        }
        staffHaveIt = Boolean(body.handoff);
      }).catch(function () { /* the next check tries again */ }).then(function () {
        checking = false;
        if (forConversation === conversation) checkForStaffMessages(false);
      });
    }

    function send(text, shownAs) {
      text = text.trim();
      if (!text) return;
      addUserMessage(shownAs || text);
      enqueue(text);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(input.value);
      input.value = "";
    });

    // A conversation from earlier in this tab may be with staff: keep up with it.
    if (readSession(SENDER_KEY)) checkForStaffMessages(true);

    clearButton.addEventListener("click", function () {
      conversation += 1;
      if (inFlight) inFlight.abort();
      log.textContent = "";
      setWaiting(false);
      clearTimeout(checkTimer);
      staffHaveIt = false;
      removeSession(SENDER_KEY);
      removeSession(AFTER_KEY);
      senderId(); // a new id: the bot starts a fresh conversation
      status.textContent = TEXT.cleared;
      input.focus();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
