/* The admin's drop zone (evidence/upload_admin.py): files and folders into one case,
 * each sent in pieces through the resumable-upload protocol (evidence/upload_protocol.py)
 * and followed until its item is sealed.
 *
 * Resuming: each file's upload address is remembered in localStorage under a
 * fingerprint (case, path, size, last change). After a dropped connection the script
 * asks the server how much it holds (HEAD) and goes on from there; after a reload,
 * dropping the same file again does the same. The server's offset is the truth, never
 * the browser's count. Every word shown comes from the page (data-msg-*), translated.
 */
(function () {
  "use strict";

  var app = document.getElementById("upload-app");
  if (!app) { return; }

  var createUrl = app.dataset.createUrl;
  var caseId = app.dataset.case;
  var csrf = app.dataset.csrf;
  var chunkSize = parseInt(app.dataset.chunkSize, 10) || 8388608;
  var drop = document.getElementById("upload-drop");
  var list = document.getElementById("upload-list");
  var body = list.querySelector("tbody");
  var summary = document.getElementById("upload-summary");
  var kindSelect = document.getElementById("upload-kind");
  var MAX_RETRIES = 6;
  var queue = [];
  var running = false;
  var rows = [];

  function msg(name) { return app.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || name; }

  function formatBytes(n) {
    var units = ["B", "KB", "MB", "GB", "TB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return (i ? n.toFixed(1) : String(n)) + "\u00a0" + units[i];
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* One request; resolves with {status, headers, json} for any HTTP answer, rejects only
   * when no answer came (a dropped connection). */
  function request(method, url, options) {
    options = options || {};
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url, true);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      Object.keys(options.headers || {}).forEach(function (name) {
        xhr.setRequestHeader(name, options.headers[name]);
      });
      if (options.onProgress) {
        xhr.upload.onprogress = function (event) { options.onProgress(event.loaded); };
      }
      xhr.onload = function () {
        var json = null;
        try { json = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch (e) { json = null; }
        resolve({status: xhr.status, json: json, header: function (n) { return xhr.getResponseHeader(n); }});
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.onabort = function () { reject(new Error("network")); };
      xhr.send(options.body === undefined ? null : options.body);
    });
  }

  /* --- rows ------------------------------------------------------------------------ */

  function addRow(file, path) {
    list.hidden = false;
    var tr = document.createElement("tr");
    tr.className = "upload-row";
    tr.dataset.path = path;
    tr.dataset.state = "waiting";
    var name = document.createElement("td");
    name.className = "upload-name";
    name.textContent = path;
    var size = document.createElement("td");
    size.className = "upload-size";
    size.textContent = formatBytes(file.size);
    var progressCell = document.createElement("td");
    progressCell.className = "upload-progress";
    var bar = document.createElement("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    var percent = document.createElement("span");
    percent.className = "upload-percent";
    percent.textContent = "0%";
    progressCell.appendChild(bar);
    progressCell.appendChild(percent);
    var state = document.createElement("td");
    state.className = "upload-state";
    state.textContent = msg("waiting");
    var item = document.createElement("td");
    item.className = "upload-item";
    tr.appendChild(name);
    tr.appendChild(size);
    tr.appendChild(progressCell);
    tr.appendChild(state);
    tr.appendChild(item);
    body.appendChild(tr);
    var row = {tr: tr, bar: bar, percent: percent, state: state, item: item, file: file, path: path};
    rows.push(row);
    updateSummary();
    return row;
  }

  function setState(row, state, text, detail) {
    row.tr.dataset.state = state;
    row.state.textContent = text;
    if (detail) {
      var reason = document.createElement("span");
      reason.className = "upload-reason";
      reason.textContent = " — " + detail;
      row.state.appendChild(reason);
    }
    updateSummary();
  }

  function setProgress(row, sent) {
    var size = row.file.size || 1;
    row.bar.value = Math.min(sent, size);
    row.percent.textContent = Math.floor(100 * Math.min(sent, size) / size) + "%";
  }

  function showItem(row, item) {
    row.item.textContent = "";
    var link = document.createElement("a");
    link.href = item.url;
    link.className = "upload-item-link";
    link.textContent = item.exhibit;
    row.item.appendChild(link);
    if (item.sha256) {
      var digest = document.createElement("code");
      digest.className = "upload-sha256";
      digest.textContent = item.sha256;
      digest.title = "SHA-256";
      row.item.appendChild(digest);
    }
    if (item.duplicates && item.duplicates.length) {
      var warning = document.createElement("p");
      warning.className = "upload-duplicate";
      warning.appendChild(document.createTextNode(msg("duplicate") + " "));
      item.duplicates.forEach(function (dup, index) {
        if (index) { warning.appendChild(document.createTextNode(", ")); }
        var a = document.createElement("a");
        a.href = dup.url;
        a.textContent = dup.exhibit;
        warning.appendChild(a);
      });
      row.item.appendChild(warning);
      row.tr.dataset.duplicate = "true";
    }
  }

  function updateSummary() {
    var counts = {};
    rows.forEach(function (row) { counts[row.tr.dataset.state] = (counts[row.tr.dataset.state] || 0) + 1; });
    var parts = Object.keys(counts).sort().map(function (state) { return msg(state) + ": " + counts[state]; });
    summary.textContent = msg("summary") + ": " + rows.length + (parts.length ? " — " + parts.join(", ") : "");
  }

  /* --- the protocol ------------------------------------------------------------------ */

  function fingerprint(file, path) {
    return ["evidence-upload", caseId, path, file.size, file.lastModified || 0].join(":");
  }

  function remembered(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function remember(key, url) {
    try {
      if (url) { window.localStorage.setItem(key, url); } else { window.localStorage.removeItem(key); }
    } catch (e) { /* private mode: resuming after a reload is then not possible */ }
  }

  function failure(response) {
    return (response.json && response.json.detail) || ("HTTP " + response.status);
  }

  /* The upload to continue for this file (one the server still holds open), or a new one. */
  async function begin(row, key) {
    var url = remembered(key);
    if (url) {
      try {
        var held = await request("GET", url);
        if (held.status === 200 && held.json && (held.json.state === "open" || held.json.state === "complete")) {
          return held.json;
        }
      } catch (e) { /* unreachable now: the POST below will say so */ }
      remember(key, null);
    }
    var created = await request("POST", createUrl, {
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({case: caseId, filename: row.file.name, relative_path: row.path, size: row.file.size,
                            kind: kindSelect ? kindSelect.value : ""}),
    });
    if (created.status !== 201) { throw {refused: failure(created), status: created.status}; }
    remember(key, created.json.url);
    return created.json;
  }

  async function serverOffset(url) {
    var head = await request("HEAD", url);
    if (head.status !== 200) { throw {refused: failure(head), status: head.status}; }
    return parseInt(head.header("Upload-Offset"), 10);
  }

  async function send(row, upload) {
    var offset = upload.offset;
    var size = row.file.size;
    var pieceSize = Math.min(chunkSize, upload.chunk_size || chunkSize);
    var retries = 0;
    var status = upload;
    if (offset > 0 && offset < size) {
      setState(row, "uploading", msg("resumed") + " " + formatBytes(offset));
    } else {
      setState(row, "uploading", msg("uploading"));
    }
    setProgress(row, offset);
    while (offset < size || !status.item) {
      var end = Math.min(offset + pieceSize, size);
      var response;
      try {
        response = await request("PATCH", upload.url, {
          headers: {"Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"},
          body: row.file.slice(offset, end),
          onProgress: function (loaded) { setProgress(row, offset + loaded); },
        });
      } catch (e) {
        // No answer: the connection dropped. Ask the server what it holds and go on from there.
        retries += 1;
        if (retries > MAX_RETRIES) { throw {paused: true}; }
        setState(row, "resuming", msg("resuming"));
        await sleep(Math.min(500 * retries, 4000));
        try { offset = await serverOffset(upload.url); } catch (err) {
          if (err && err.refused) { throw err; }
          continue;
        }
        setProgress(row, offset);
        setState(row, "uploading", msg("resumed") + " " + formatBytes(offset));
        continue;
      }
      if (response.status === 409) {
        // The server holds another offset (say a piece arrived though its answer was lost).
        offset = parseInt(response.header("Upload-Offset"), 10);
        if (isNaN(offset)) { throw {refused: failure(response), status: 409}; }
        if (response.json && response.json.code === "offset_mismatch" && offset >= size) {
          status = (await request("GET", upload.url)).json;
          if (status && status.item) { break; }
        }
        continue;
      }
      if (response.status !== 200) { throw {refused: failure(response), status: response.status}; }
      retries = 0;
      status = response.json;
      offset = status.offset;
      setProgress(row, offset);
      if (offset === size && !status.item) {
        // Whole, but not filed (the filing was refused): say why rather than loop.
        throw {refused: failure(response), status: response.status};
      }
    }
    return status;
  }

  async function followSealing(row, status) {
    var item = status.item;
    setState(row, "sealing", msg("received") + ", " + msg("sealing"));
    showItem(row, item);
    var wait = 500;
    while (!item.settled) {
      await sleep(wait);
      wait = Math.min(wait * 2, 5000);
      try {
        var response = await request("GET", status.url);
        if (response.status === 200 && response.json && response.json.item) { item = response.json.item; }
      } catch (e) { /* keep asking */ }
    }
    showItem(row, item);
    if (item.state === "sealed") {
      setState(row, "sealed", msg("sealed"));
    } else if (item.state === "quarantined") {
      setState(row, "quarantined", msg("quarantined"), item.error);
    } else if (item.state === "reference") {
      setState(row, "reference", msg("reference"));
    } else {
      setState(row, "failed", msg("failed"), item.error);
    }
  }

  async function process(row) {
    var key = fingerprint(row.file, row.path);
    try {
      var upload = await begin(row, key);
      var status = upload.state === "complete" ? upload : await send(row, upload);
      remember(key, null);
      setProgress(row, row.file.size);
      await followSealing(row, status);
    } catch (err) {
      if (err && err.paused) {
        setState(row, "paused", msg("paused"));
      } else if (err && err.refused) {
        if (err.status === 404 || err.status === 410) { remember(key, null); }
        setState(row, "failed", msg("failed"), err.refused);
      } else {
        setState(row, "paused", msg("paused"));
      }
    }
  }

  async function drain() {
    if (running) { return; }
    running = true;
    while (queue.length) {
      await process(queue.shift());
    }
    running = false;
  }

  function enqueue(entries) {
    entries.forEach(function (entry) { queue.push(addRow(entry.file, entry.path)); });
    drain();
  }

  /* --- what was dropped or chosen -------------------------------------------------------- */

  function readAll(reader) {
    // readEntries answers in batches (100 in Chromium): ask until it answers with none.
    return new Promise(function (resolve, reject) {
      var all = [];
      (function next() {
        reader.readEntries(function (batch) {
          if (!batch.length) { resolve(all); return; }
          all = all.concat(Array.prototype.slice.call(batch));
          next();
        }, reject);
      })();
    });
  }

  async function walk(entry, found) {
    if (entry.isFile) {
      var file = await new Promise(function (resolve, reject) { entry.file(resolve, reject); });
      found.push({file: file, path: entry.fullPath.replace(/^\/+/, "") || file.name});
    } else if (entry.isDirectory) {
      var children = await readAll(entry.createReader());
      children.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
      for (var i = 0; i < children.length; i += 1) { await walk(children[i], found); }
    }
  }

  async function dropped(dataTransfer) {
    var found = [];
    var items = dataTransfer.items ? Array.prototype.slice.call(dataTransfer.items) : [];
    var entries = items.map(function (item) {
      return item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    });
    if (entries.length && entries.every(Boolean)) {
      for (var i = 0; i < entries.length; i += 1) { await walk(entries[i], found); }
    } else {
      Array.prototype.forEach.call(dataTransfer.files || [], function (file) {
        found.push({file: file, path: file.webkitRelativePath || file.name});
      });
    }
    enqueue(found);
  }

  function chosen(input) {
    var found = Array.prototype.map.call(input.files || [], function (file) {
      return {file: file, path: file.webkitRelativePath || file.name};
    });
    found.sort(function (a, b) { return a.path < b.path ? -1 : a.path > b.path ? 1 : 0; });
    enqueue(found);
    input.value = "";
  }

  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("upload-drop-active");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("upload-drop-active"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    dropped(event.dataTransfer);
  });
  // A file dropped beside the zone would make the browser open it and leave the page.
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });
  document.getElementById("upload-files").addEventListener("change", function (e) { chosen(e.target); });
  document.getElementById("upload-folder").addEventListener("change", function (e) { chosen(e.target); });
  // The script is deferred: this mark says the zone now listens (the browser tests wait for it).
  app.dataset.ready = "true";
}());
