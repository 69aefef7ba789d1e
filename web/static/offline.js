// Reports and check-ins made without signal: kept on the phone (IndexedDB) and sent, in the
// order they were made, when it is online again; the page shows what still waits. Each
// carries a key of its own, so a report sent twice (an answer lost on a weak line) is
// recorded once. The service worker (/sw.js) keeps the pages themselves. Words shown come
// from the outbox section's data-*.
(function () {
  "use strict";
  // A key for one report or check-in (checkin.js's too: this script comes first on both pages).
  function key() {
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  window.wwKey = key;

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(function () {});
  var box = document.getElementById("outbox");
  if (!box || !window.indexedDB || !window.fetch) return;
  var d = box.dataset, list = document.getElementById("outbox-list"), status = document.getElementById("outbox-status");
  var flushing = false, told = [];

  function say(text) { status.textContent = text; }

  function now() { return String(Math.floor(Date.now() / 1000)); }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("wastewatch", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("outbox", mode), request = work(tx.objectStore("outbox"));
        tx.oncomplete = function () { db.close(); resolve(request && request.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function waiting() { return store("readonly", function (s) { return s.getAll(); }); }

  function show() {
    return waiting().then(function (items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = d.waiting.replace("{label}", item.label).replace("{at}", item.at);
        list.appendChild(li);
      });
      box.hidden = items.length === 0 && !status.textContent;
      return items;
    });
  }

  // A form's fields as IndexedDB keeps them: photos as the files themselves.
  function add(url, form, label) {
    var entries = [];
    form.forEach(function (value, name) {
      entries.push(value instanceof File ? [name, value, value.name] : [name, String(value), null]);
    });
    var t = new Date(), two = function (n) { return ("0" + n).slice(-2); };
    var at = two(t.getMonth() + 1) + "-" + two(t.getDate()) + " " + two(t.getHours()) + ":" + two(t.getMinutes());
    return store("readwrite", function (s) { return s.add({ url: url, entries: entries, label: label, at: at }); })
      .then(function () { say(d.saved); return show(); });
  }

  function sendOne(item) {
    var body = new FormData();
    item.entries.forEach(function (entry) {
      if (entry[2] !== null) body.append(entry[0], entry[1], entry[2]); else body.append(entry[0], entry[1]);
    });
    body.set("offline", "1");
    return fetch(item.url, { method: "POST", body: body, credentials: "same-origin" }).then(function (response) {
      if (response.redirected && new URL(response.url).pathname === "/login") { say(d.login); throw new Error("login"); }
      if (response.status >= 500) throw new Error(String(response.status));
      // Received, or refused for good (the order moved on, the link expired): either way it
      // leaves the phone, and the person is told which.
      return store("readwrite", function (s) { return s.delete(item.id); }).then(function () {
        var words = response.ok ? d.sent : d.refused;
        told.push(words.replace("{label}", item.label).replace("{status}", String(response.status)));
        say(told.join(" "));
        // This page's own form was the one sent: it is done with, not to be filled again.
        Array.prototype.forEach.call(document.querySelectorAll("form[data-offline]"), function (form) {
          if (form.action === item.url) form.hidden = true;
        });
      });
    });
  }

  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return waiting().then(function (items) {
      return items.reduce(function (chain, item) { return chain.then(function () { return sendOne(item); }); }, Promise.resolve());
    }).catch(function () {}).then(function () { flushing = false; return show(); });
  }

  function field(form, name, value) {
    var input = form.querySelector("input[name='" + name + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    if (!input.value || name === "made_at") input.value = value;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-offline]"), function (form) {
    form.addEventListener("submit", function (event) {
      field(form, "key", key());
      field(form, "made_at", now());
      if (navigator.onLine) return;  // sent as a plain form
      event.preventDefault();
      add(form.action, new FormData(form), form.dataset.label).then(function () { form.reset(); });
    });
  });

  window.wwOutbox = { add: add, flush: flush };
  window.addEventListener("online", flush);
  show().then(flush);
})();
