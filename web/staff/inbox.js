/*
 * The staff inbox (served by handoff/inbox.py at /webhooks/staff/).
 *
 * Lists the conversations waiting for staff and the other recent ones, shows a
 * transcript, sends replies, takes conversations over, hands them back and
 * resolves them. It refreshes itself every few seconds (polling: it works
 * through any proxy and on every replica); refreshes send X-Staff-Refresh so
 * they do not count as activity for the idle sign-out. Every change sends the
 * session's CSRF token. Text from patients is only ever set as textContent.
 */
(function () {
  "use strict";

  var API = "/webhooks/staff/api/";
  var QUEUE_EVERY_MS = 3000;
  var MESSAGES_EVERY_MS = 1500;
  var csrfToken = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  var byId = function (id) { return document.getElementById(id); };
  var statusLine = byId("status");
  var transcript = byId("transcript");
  var replyForm = byId("reply-form");
  var replyText = byId("reply-text");
  var actions = byId("conversation-actions");
  var summary = byId("conversation-summary");
  var heading = byId("conversation-heading");

  var openKey = null;      // the conversation shown
  var lastAt = 0;          // time stamp of its newest message shown
  var shown = {};          // its messages already shown (a refresh may overlap an action's)
  var signedOut = false;

  // ---------------------------------------------------------------------------
  // Talking to the server
  // ---------------------------------------------------------------------------
  function request(method, path, body, refresh) {
    var headers = { "Accept": "application/json" };
    if (refresh) headers["X-Staff-Refresh"] = "1";
    if (method !== "GET") {
      headers["X-CSRF-Token"] = csrfToken;
      headers["Content-Type"] = "application/json";
    }
    return fetch(API + path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 401) {
        sessionEnded();
        throw new Error("signed out");
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || ("The server answered " + response.status + "."));
        return data;
      });
    });
  }

  function sessionEnded() {
    if (signedOut) return;
    signedOut = true;
    announce("Your session ended. Taking you to the sign-in page.");
    setTimeout(function () { window.location.assign("/webhooks/staff/login"); }, 2500);
  }

  function announce(text) {
    statusLine.textContent = text;
  }

  // ---------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------
  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function duration(seconds) {
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function clock(timestamp) {
    return new Date(timestamp * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  var STATUS_LABELS = { waiting: "Waiting", open: "With staff" };

  // Updates a table body in place, keyed by conversation, so a refresh never
  // takes keyboard focus away from the button a staff member is on.
  function syncRows(tbody, items, cellsOf, label) {
    var existing = {};
    Array.prototype.forEach.call(tbody.rows, function (row) { existing[row.dataset.key] = row; });
    var focusedRow = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("tr") : null;
    items.forEach(function (item, index) {
      var row = existing[item.conversation];
      var cells = cellsOf(item);
      if (!row) {
        row = element("tr");
        row.dataset.key = item.conversation;
        cells.forEach(function (cell) { row.appendChild(element("td")); });
        var open = element("button", { type: "button", class: "open" }, "Open");
        open.addEventListener("click", function () { openConversation(item.conversation); });
        var last = element("td");
        last.appendChild(open);
        row.appendChild(last);
      }
      cells.forEach(function (cell, column) {
        var td = row.cells[column];
        if (td.textContent !== cell.text) td.textContent = cell.text;
        td.className = cell.className || "";
      });
      row.querySelector("button.open").setAttribute("aria-label", "Open: " + label(item));
      row.classList.toggle("current", item.conversation === openKey);
      delete existing[item.conversation];
      if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
    });
    Object.keys(existing).forEach(function (key) {
      var row = existing[key];
      if (row === focusedRow) heading.focus();
      row.remove();
    });
  }

  // ---------------------------------------------------------------------------
  // The lists
  // ---------------------------------------------------------------------------
  var knownWaiting = {};

  function refreshQueue() {
    return request("GET", "queue", undefined, true).then(function (data) {
      var waitingCount = 0;
      syncRows(byId("waiting-rows"), data.handoffs, function (h) {
        if (h.status === "waiting") waitingCount += 1;
        return [
          { text: duration(h.waiting_seconds) },
          { text: h.channel_label },
          { text: h.condition || "Not known" },
          { text: (h.urgent ? "URGENT. " : "") + h.reason_label, className: h.urgent ? "urgent" : "" },
          { text: STATUS_LABELS[h.status] + (h.assigned_to ? " (" + h.assigned_to + ")" : "") }
        ];
      }, function (h) {
        return h.channel_label + ", " + (STATUS_LABELS[h.status] || "") + " " + duration(h.waiting_seconds);
      });
      var newcomers = data.handoffs.filter(function (h) { return h.status === "waiting" && !knownWaiting[h.conversation]; });
      knownWaiting = {};
      data.handoffs.forEach(function (h) { if (h.status === "waiting") knownWaiting[h.conversation] = true; });
      if (newcomers.length) announce(newcomers.length === 1 ? "A new patient is waiting." : newcomers.length + " new patients are waiting.");
      byId("waiting-table").hidden = data.handoffs.length === 0;
      byId("waiting-empty").hidden = data.handoffs.length !== 0;
      byId("waiting-empty").textContent = "No one is waiting, and staff have no conversation.";
      document.title = (waitingCount ? "(" + waitingCount + ") " : "") + "Staff inbox";

      syncRows(byId("recent-rows"), data.recent, function (c) {
        return [{ text: duration(c.idle_seconds) + " ago" }, { text: c.channel_label }];
      }, function (c) { return c.channel_label + ", last message " + duration(c.idle_seconds) + " ago"; });
      byId("recent-table").hidden = data.recent.length === 0;
      byId("recent-empty").hidden = data.recent.length !== 0;
    }).catch(function (problem) {
      if (!signedOut) announce("Could not refresh the lists: " + problem.message);
    });
  }

  // ---------------------------------------------------------------------------
  // One conversation
  // ---------------------------------------------------------------------------
  var SPEAKERS = { patient: "Patient", bot: "Assistant", system: "Note" };

  function addEntry(entry) {
    var id = entry.at + "|" + entry.from + "|" + entry.text;
    if (shown[id]) return;
    shown[id] = true;
    var speaker = entry.from === "staff" ? (entry.name || "Staff") + " (staff)" : SPEAKERS[entry.from] || entry.from;
    var item = element("div", { class: "msg msg-" + entry.from });
    var meta = element("p", { class: "meta" });
    meta.appendChild(element("span", { class: "speaker" }, speaker));
    meta.appendChild(document.createTextNode(" · " + clock(entry.at)));
    item.appendChild(meta);
    entry.text.split("\n").forEach(function (line) {
      if (line.trim()) item.appendChild(element("p", {}, line));
    });
    if (entry.options && entry.options.length) {
      item.appendChild(element("p", { class: "options" }, "Options offered: " + entry.options.join(" | ")));
    }
    transcript.appendChild(item);
    lastAt = Math.max(lastAt, entry.at);
  }

  function showState(details) {
    var handoff = details.handoff;
    var parts = [details.channel_label];
    if (details.condition) parts.push("about " + details.condition);
    if (handoff) {
      parts.push(handoff.reason_label);
      parts.push(handoff.status === "waiting" ? "waiting " + duration(handoff.waiting_seconds)
        : "with staff" + (handoff.assigned_to ? " (" + handoff.assigned_to + ")" : ""));
      if (handoff.urgent) parts.unshift("URGENT");
    } else {
      parts.push("the assistant is answering");
    }
    summary.textContent = parts.join(" · ");
    byId("take-over").hidden = Boolean(handoff);
    byId("hand-back").hidden = !handoff;
    byId("resolve").hidden = !handoff;
    replyForm.hidden = !handoff;
    actions.hidden = false;
  }

  function openConversation(key) {
    return request("GET", "conversations/" + encodeURIComponent(key)).then(function (details) {
      openKey = key;
      lastAt = 0;
      shown = {};
      transcript.textContent = "";
      transcript.hidden = false;
      details.messages.forEach(addEntry);
      showState(details);
      heading.textContent = "Conversation";
      heading.focus();
      transcript.scrollTop = transcript.scrollHeight;
      Array.prototype.forEach.call(document.querySelectorAll("tr"), function (row) {
        row.classList.toggle("current", row.dataset.key === key);
      });
    }).catch(function (problem) {
      if (!signedOut) announce("Could not open the conversation: " + problem.message);
    });
  }

  var refreshing = null;

  function refreshConversation() {
    if (!openKey) return Promise.resolve();
    if (refreshing) return refreshing;
    var key = openKey;
    refreshing = request("GET", "conversations/" + encodeURIComponent(key) + "/messages?after=" + lastAt, undefined, true)
      .then(function (details) {
        if (key !== openKey) return;
        var fromPatient = details.messages.filter(function (m) { return m.from === "patient"; }).length;
        details.messages.forEach(addEntry);
        if (details.messages.length) transcript.scrollTop = transcript.scrollHeight;
        if (fromPatient) announce(fromPatient === 1 ? "New message from the patient." : fromPatient + " new messages from the patient.");
        showState(details);
      }).catch(function (problem) {
        if (!signedOut) announce("Could not refresh the conversation: " + problem.message);
      }).then(function () { refreshing = null; });
    return refreshing;
  }

  function act(path, done, body) {
    if (!openKey) return Promise.resolve();
    return request("POST", "conversations/" + encodeURIComponent(openKey) + "/" + path, body)
      .then(function () {
        announce(done);
        // After any refresh already under way, which may predate the change.
        return (refreshing || Promise.resolve()).then(function () {
          return Promise.all([refreshConversation(), refreshQueue()]);
        });
      }).catch(function (problem) {
        if (!signedOut) announce(problem.message);
        throw problem;
      });
  }

  replyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = replyText.value.trim();
    if (!text) { announce("Type a reply first."); replyText.focus(); return; }
    act("reply", "Reply sent.", { text: text }).then(function () {
      replyText.value = "";
      replyText.focus();
    }).catch(function () { replyText.focus(); });
  });

  replyText.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      replyForm.requestSubmit();
    }
  });

  byId("take-over").addEventListener("click", function () {
    act("take-over", "You have the conversation. The assistant stopped answering.").then(function () {
      replyText.focus();
    }).catch(function () {});
  });
  byId("hand-back").addEventListener("click", function () {
    act("hand-back", "Handed back: the assistant answers again.").then(function () { heading.focus(); }).catch(function () {});
  });
  byId("resolve").addEventListener("click", function () {
    act("resolve", "Resolved: the assistant answers again.").then(function () { heading.focus(); }).catch(function () {});
  });

  // ---------------------------------------------------------------------------
  // Start, then keep refreshing (one request at a time for each)
  // ---------------------------------------------------------------------------
  function every(milliseconds, work) {
    function next() {
      if (signedOut) return;
      setTimeout(function () { work().then(next, next); }, milliseconds);
    }
    work().then(next, next);
  }

  every(QUEUE_EVERY_MS, refreshQueue);
  every(MESSAGES_EVERY_MS, refreshConversation);
})();
