// The progress of an export job (staff spreadsheet, personal data ZIP): polls the job's small
// JSON status view every two seconds until the file is ready or the job failed. Without
// JavaScript the page still works: it says to reload.
(function () {
  "use strict";
  document.querySelectorAll("[data-export-status-url]").forEach(function (box) {
    var url = box.getAttribute("data-export-status-url");
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-export-label]");
    var rows = box.querySelector("[data-export-rows]");
    var link = box.querySelector("[data-export-download]");
    var error = box.querySelector("[data-export-error]");
    function show(data) {
      if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
      if (label) { label.textContent = data.status_label; }
      if (rows && data.rows_total !== null) {
        rows.textContent = data.rows_done + " / " + data.rows_total;
      }
      if (link && data.download_url) { link.href = data.download_url; link.hidden = false; }
      if (error && data.error) { error.textContent = data.error; error.hidden = false; }
      return data.status === "queued" || data.status === "running";
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && show(data)) { window.setTimeout(poll, 2000); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    if (box.getAttribute("data-export-active") === "1") { window.setTimeout(poll, 1000); }
  });
})();
