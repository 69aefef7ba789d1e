// 到场签到: read the site's plate with the camera (the browser's BarcodeDetector where it has
// one, else jsQR on the video's frames), take the phone's position, and post both with the
// phone's clock to the order's check-in address. The server records its own time and answers
// with the visit's flags, shown at once. Every word shown comes from the section's data-*.
(function () {
  "use strict";
  var section = document.getElementById("checkin");
  if (!section || !window.fetch) return;
  section.hidden = false;
  var d = section.dataset;
  var video = document.getElementById("checkin-video");
  var status = document.getElementById("checkin-status");
  var start = document.getElementById("checkin-start");
  var noPlate = document.getElementById("checkin-no-plate");
  var stream = null, scanning = false, position = null;

  function say(text) { status.textContent = text; }

  function locate() {
    // Asked at once, beside the camera: a phone outdoors needs some seconds for a good fix.
    position = new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve({ error: "unsupported" });
      navigator.geolocation.getCurrentPosition(
        function (p) { resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }); },
        function (e) { resolve({ error: { 1: "denied", 2: "unavailable", 3: "timeout" }[e.code] || "unavailable" }); },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
      );
    });
  }

  function stop() {
    scanning = false;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
  }

  function send(plate) {
    stop();
    say(d.sending);
    start.disabled = noPlate.disabled = true;
    position.then(function (where) {
      var form = new FormData();
      form.append(d.guardName, d.guard);
      form.append("key", window.wwKey());  // offline.js
      form.append("plate", plate);
      form.append("phone_at", String(Math.floor(Date.now() / 1000)));
      var name = document.getElementById("name");
      if (name) form.append("name", name.value);
      if (where.error) form.append("error", where.error);
      else { form.append("lon", where.lon); form.append("lat", where.lat); form.append("accuracy", where.accuracy); }
      if (!navigator.onLine && window.wwOutbox) return queue(form);
      return fetch(d.url, { method: "POST", body: form, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); }, function () { return window.wwOutbox ? queue(form) : Promise.reject(); });
    }).then(function (answer) {
      if (answer === null) return;
      start.disabled = noPlate.disabled = false;
      if (!answer.recorded) { say(d.failed.replace("{error}", answer.error)); return; }
      say(d.done.replace("{at}", answer.at));
      show(answer);
    }).catch(function (e) {
      start.disabled = noPlate.disabled = false;
      say(d.failed.replace("{error}", String(e)));
    });
  }

  // No signal: kept on the phone with the rest of the outbox and sent, with its own times, when
  // it is online again (offline.js).
  function queue(form) {
    return window.wwOutbox.add(d.url, form, d.label).then(function () {
      start.disabled = noPlate.disabled = false;
      say(d.queued);
      return null;
    });
  }

  function show(answer) {
    var box = document.getElementById("visit");
    box.textContent = "";
    var verdict = document.createElement("p");
    verdict.className = "verdict verdict-" + answer.verdict;
    var strong = document.createElement("strong");
    strong.textContent = answer.verdict_text;
    verdict.appendChild(strong);
    verdict.appendChild(document.createTextNode(" · " + answer.at));
    box.appendChild(verdict);
    var list = document.createElement("ul");
    list.className = "flags";
    answer.flags.forEach(function (f) {
      var item = document.createElement("li");
      item.className = "flag-" + f.state;
      var mark = document.createElement("span");
      mark.className = "mark";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = f.state === "passed" ? "✓" : f.state === "failed" ? "✗" : "?";
      item.appendChild(mark);
      item.appendChild(document.createTextNode(" " + f.name + "：" + f.text));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function scan(detector, canvas) {
    if (!scanning) return;
    if (video.readyState < 2) return requestAnimationFrame(function () { scan(detector, canvas); });
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length) send(codes[0].rawValue);
        else requestAnimationFrame(function () { scan(detector, canvas); });
      }, function () { scan(null, canvas); });
      return;
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR && window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    if (code && code.data) send(code.data);
    else setTimeout(function () { scan(null, canvas); }, 120);
  }

  start.addEventListener("click", function () {
    locate();
    noPlate.hidden = false;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say(d.camera); return; }
    say(d.scan);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      return video.play();
    }).then(function () {
      scanning = true;
      var detector = null;
      if ("BarcodeDetector" in window) {
        try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
      }
      scan(detector, document.createElement("canvas"));
    }).catch(function () { stop(); say(d.camera); });
  });

  noPlate.addEventListener("click", function () {
    if (!position) locate();
    send("");
  });
})();
